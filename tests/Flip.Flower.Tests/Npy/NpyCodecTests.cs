using System.Text;
using CsCheck;
using Flip.Flower.Npy;

namespace Flip.Flower.Tests.Npy;

public sealed class NpyCodecTests
{
    public static TheoryData<string, string, int[], bool> VectorFiles => new()
    {
        { "a_2x2_float32.npy", "float32", [2, 2], false },
        { "b_1_float32.npy", "float32", [1], false },
        { "a2_2x2_float32.npy", "float32", [2, 2], false },
        { "b2_1_float32.npy", "float32", [1], false },
        { "c_2x3_float64.npy", "float64", [2, 3], false },
        { "d_3_int64.npy", "int64", [3], false },
        { "e_scalar_float32.npy", "float32", [], false },
        { "f_0_float32.npy", "float32", [0], false },
        { "g_2x2_float32_fortran.npy", "float32", [2, 2], true },
    };

    [Theory]
    [MemberData(nameof(VectorFiles))]
    public void Decode_then_encode_reproduces_numpys_bytes(string file, string dtype, int[] shape, bool fortran)
    {
        byte[] npy = Vectors.Read("npy/" + file);

        NpyArray array = NpyCodec.Decode(npy);

        Assert.Equal(dtype, array.DType.Name);
        Assert.Equal(shape, array.Shape.ToArray());
        Assert.Equal(fortran, array.FortranOrder);
        Assert.Equal(npy.Length - 128, array.Data.Length);
        Assert.Equal(npy, NpyCodec.Encode(array));
        Assert.Equal(npy.Length, NpyCodec.GetEncodedLength(array));
    }

    [Fact]
    public void Decode_reads_the_values_numpy_wrote()
    {
        Assert.Equal([1f, 2f, 3f, 4f], NpyCodec.Decode(Vectors.Read("npy/a_2x2_float32.npy")).ToArray<float>());
        Assert.Equal([0.5f], NpyCodec.Decode(Vectors.Read("npy/b_1_float32.npy")).ToArray<float>());
        Assert.Equal([1.5f, 2.5f, 3.5f, 4.5f], NpyCodec.Decode(Vectors.Read("npy/a2_2x2_float32.npy")).ToArray<float>());
        Assert.Equal([0.25f], NpyCodec.Decode(Vectors.Read("npy/b2_1_float32.npy")).ToArray<float>());
        Assert.Equal([0d, 1, 2, 3, 4, 5], NpyCodec.Decode(Vectors.Read("npy/c_2x3_float64.npy")).ToArray<double>());
        Assert.Equal([1L, -2, 3], NpyCodec.Decode(Vectors.Read("npy/d_3_int64.npy")).ToArray<long>());
        NpyArray scalar = NpyCodec.Decode(Vectors.Read("npy/e_scalar_float32.npy"));
        Assert.Equal(1, scalar.ElementCount);
        Assert.Equal([7f], scalar.ToArray<float>());
        NpyArray empty = NpyCodec.Decode(Vectors.Read("npy/f_0_float32.npy"));
        Assert.Equal(0, empty.ElementCount);
        Assert.Empty(empty.ToArray<float>());
        Assert.Equal([1f, 3f, 2f, 4f], NpyCodec.Decode(Vectors.Read("npy/g_2x2_float32_fortran.npy")).ToArray<float>());
    }

    [Fact]
    public void Encode_writes_the_header_text_numpy_writes()
    {
        byte[] npy = NpyCodec.Encode(NpyArray.FromValues<float>([1f, 2f, 3f, 4f], 2, 2));

        Assert.Equal(0x93, npy[0]);
        Assert.Equal("NUMPY", Encoding.ASCII.GetString(npy, 1, 5));
        Assert.Equal([1, 0, 118, 0], npy[6..10]);
        string header = Encoding.ASCII.GetString(npy, 10, 118);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", header, StringComparison.Ordinal);
        Assert.EndsWith(" \n", header, StringComparison.Ordinal);
        Assert.Equal(128 + 16, npy.Length);
    }

    [Theory]
    [InlineData(new int[0], "()")]
    [InlineData(new[] { 5 }, "(5,)")]
    [InlineData(new[] { 16, 3, 3, 3 }, "(16, 3, 3, 3)")]
    public void Encode_writes_pythons_tuple_text(int[] shape, string tuple)
    {
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
        }

        NpyArray array = NpyArray.Create(NpyDType.UInt8, shape, new byte[count]);

        string header = Encoding.ASCII.GetString(NpyCodec.Encode(array), 10, 118);

        Assert.Contains($"'shape': {tuple}, }}", header, StringComparison.Ordinal);
        Assert.Contains("'descr': '|u1'", header, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_adds_numpys_growth_padding_so_a_long_header_moves_to_the_next_64_bytes()
    {
        // 16 axes of 1: the dict is 101 characters; 10 + 101 + '\n' would fit a 128-byte prefix,
        // but numpy (>= 1.23, GROWTH_AXIS_MAX_DIGITS = 21) adds 21 - 1 spaces, so it needs 192.
        int[] shape = Enumerable.Repeat(1, 16).ToArray();
        NpyArray array = NpyArray.Create(NpyDType.Bool, shape, new byte[1]);

        byte[] npy = NpyCodec.Encode(array);

        Assert.Equal(192 + 1, npy.Length);
        Assert.Equal(182, BitConverter.ToUInt16(npy, 8));
    }

    [Fact]
    public void Encode_writes_fortran_order_false_when_the_layout_is_also_c_contiguous()
    {
        NpyArray column = NpyArray.Create(NpyDType.Float32, [4, 1], new byte[16], fortranOrder: true);

        string header = Encoding.ASCII.GetString(NpyCodec.Encode(column), 10, 118);

        Assert.Contains("'fortran_order': False", header, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_reports_offset_when_magic_is_wrong()
    {
        byte[] npy = Vectors.Read("npy/a_2x2_float32.npy");
        npy[1] = (byte)'X';

        var e = Assert.Throws<FlowerProtocolException>(() => NpyCodec.Decode(npy));

        Assert.Equal("NPY: at byte 0x0, found bytes 9358554D5059; expected the NPY magic 934E554D5059 (\\x93NUMPY).", e.Message);
        Assert.Equal(ExitCodes.Network, e.ExitCode);
    }

    [Fact]
    public void Decode_reports_truncated_data_before_allocating()
    {
        byte[] npy = Vectors.Read("npy/a_2x2_float32.npy")[..140];

        var e = Assert.Throws<FlowerProtocolException>(() => NpyCodec.Decode(npy));

        Assert.Equal("NPY: at byte 0x80, the array data needs 16 bytes but only 12 are left; expected a complete np.save file (truncated transfer?).", e.Message);
    }

    [Fact]
    public void Decode_refuses_a_shape_claiming_more_bytes_than_given_without_allocating_them()
    {
        byte[] npy = NpyCodec.Encode(NpyArray.FromValues<float>([1f], 1));
        byte[] header = Encoding.ASCII.GetBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2000000, 2000000), }");
        header.CopyTo(npy, 10);

        var e = Assert.Throws<FlowerProtocolException>(() => NpyCodec.Decode(npy));

        Assert.Equal("NPY: at byte 0x80, the array data needs 16000000000000 bytes but only 4 are left; expected a complete np.save file (truncated transfer?).", e.Message);
    }

    [Fact]
    public void Decode_refuses_object_arrays()
    {
        byte[] npy = NpyCodec.Encode(NpyArray.FromValues<long>([1L], 1));
        Encoding.ASCII.GetBytes("|O8").CopyTo(npy, 21);

        var e = Assert.Throws<FlowerProtocolException>(() => NpyCodec.Decode(npy));

        Assert.Equal("descr", e.Field);
        Assert.StartsWith("NPY: at byte 0x14, header key 'descr': found '|O8'; expected a little-endian numeric or bool dtype", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_refuses_a_header_length_beyond_the_blob()
    {
        byte[] npy = Vectors.Read("npy/b_1_float32.npy");
        npy[8] = 0xFF;
        npy[9] = 0x7F;

        var e = Assert.Throws<FlowerProtocolException>(() => NpyCodec.Decode(npy));

        Assert.Equal("NPY: at byte 0xA, the header dict needs 32767 bytes but only 122 are left; expected a complete np.save file (truncated transfer?).", e.Message);
    }

    [Fact]
    public void DecodeShared_views_the_given_bytes()
    {
        byte[] npy = Vectors.Read("npy/a_2x2_float32.npy");

        NpyArray array = NpyCodec.DecodeShared(npy);

        Assert.Equal([1f, 2f, 3f, 4f], array.ToArray<float>());
        Assert.True(array.Data.Span.Overlaps(npy.AsSpan()));
    }

    [Fact]
    public void Every_dtype_round_trips_for_random_shapes_and_bytes()
    {
        Gen<NpyDType> dtypes = Gen.Int[0, NpyDType.All.Count - 1].Select(i => NpyDType.All[i]);
        Gen<int[]> shapes = Gen.Int[0, 4].Array[0, 4];
        Gen.Select(dtypes, shapes, Gen.Bool, Gen.Int).Sample((dtype, shape, fortran, seed) =>
        {
            long count = NpyArray.CountElements(shape);
            byte[] data = new byte[count * dtype.ItemSize];
            new Random(seed).NextBytes(data);
            NpyArray original = NpyArray.Create(dtype, shape, data, fortran);

            NpyArray back = NpyCodec.Decode(NpyCodec.Encode(original));

            Assert.Equal(original.DType, back.DType);
            Assert.Equal(original.Shape.ToArray(), back.Shape.ToArray());
            Assert.True(original.Data.Span.SequenceEqual(back.Data.Span));
            Assert.Equal(0, (NpyCodec.GetEncodedLength(original) - original.Data.Length) % 64);
        });
    }

    [Fact]
    public void Decode_reads_a_version_2_header()
    {
        // Version 2.0 differs only in a 4-byte header length (numpy uses it for huge headers).
        string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
        int total = 128;
        string header = dict.PadRight(total - 12 - 1) + "\n";
        byte[] npy = [0x93, .. "NUMPY"u8, 2, 0, .. BitConverter.GetBytes((uint)header.Length), .. Encoding.ASCII.GetBytes(header), .. BitConverter.GetBytes(1.5f), .. BitConverter.GetBytes(-2f)];

        NpyArray array = NpyCodec.Decode(npy);

        Assert.Equal([1.5f, -2f], array.ToArray<float>());
        Assert.Equal([2], array.Shape.ToArray());
    }
}
