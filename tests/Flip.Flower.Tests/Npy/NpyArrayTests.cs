using Flip.Flower.Npy;

namespace Flip.Flower.Tests.Npy;

public sealed class NpyArrayTests
{
    [Fact]
    public void A_float64_num_batches_tracked_from_fedavg_converts_back_to_int64()
    {
        // FedAvg sends the average of 12 and 13 batches as 12.5; numpy's rint gives 12 (half to even).
        NpyArray averaged = NpyArray.FromValues<double>([12.5]);

        NpyArray back = averaged.CastTo(NpyDType.Int64);

        Assert.Equal(NpyDType.Int64, back.DType);
        Assert.Empty(back.Shape);
        Assert.Equal([12L], back.ToArray<long>());
        Assert.Equal([13L], NpyArray.FromValues<double>([12.51]).CastTo(NpyDType.Int64).ToArray<long>());
    }

    [Fact]
    public void CastTo_keeps_shape_and_order_and_returns_the_same_array_for_the_same_dtype()
    {
        NpyArray a = NpyArray.Create(NpyDType.Int32, [2, 2], new byte[16], fortranOrder: true);

        NpyArray f = a.CastTo(NpyDType.Float32);

        Assert.Same(a, a.CastTo(NpyDType.Int32));
        Assert.Equal([2, 2], f.Shape.ToArray());
        Assert.True(f.FortranOrder);
        Assert.Equal(16, f.Data.Length);
    }

    [Fact]
    public void AsSpan_refuses_the_wrong_element_type()
    {
        NpyArray a = NpyArray.FromValues<float>([1f], 1);

        var e = Assert.Throws<FlowerProtocolException>(() => a.ToArray<double>());

        Assert.Equal("NPY: the array holds float32; its elements were asked for as float64.", e.Message);
        Assert.Equal("convert with NpyArray.CastTo first", e.Fix);
    }

    [Fact]
    public void Create_refuses_data_that_does_not_match_the_shape()
    {
        var e = Assert.Throws<FlowerProtocolException>(() => NpyArray.Create(NpyDType.Float32, [2, 2], new byte[12]));

        Assert.Equal("NPY: cannot encode the array: 12 data bytes for dtype float32 and shape (2, 2); expected 16.", e.Message);
    }

    [Fact]
    public void ToString_names_dtype_and_shape_but_no_values()
    {
        Assert.Equal("float32[2, 2]", NpyArray.FromValues<float>([1f, 2f, 3f, 4f], 2, 2).ToString());
    }

    [Fact]
    public void ToCOrder_turns_flowers_fortran_vector_into_the_c_order_values()
    {
        NpyArray fortran = NpyCodec.Decode(Vectors.Read("npy/g_2x2_float32_fortran.npy"));

        NpyArray c = fortran.ToCOrder();

        Assert.False(c.FortranOrder);
        Assert.Equal([1f, 2f, 3f, 4f], c.ToArray<float>());
        Assert.Equal(Vectors.Read("npy/a_2x2_float32.npy"), NpyCodec.Encode(c));
    }

    [Fact]
    public void ToCOrder_gives_the_bytes_numpy_writes_for_np_ascontiguousarray()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Data", "numpy");
        NpyArray fortran = NpyCodec.Decode(File.ReadAllBytes(Path.Combine(folder, "float64_fortran_2x3x4.npy")));

        NpyArray c = fortran.ToCOrder();

        Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "float64_c_copy_of_fortran_2x3x4.npy")), NpyCodec.Encode(c));
    }
}
