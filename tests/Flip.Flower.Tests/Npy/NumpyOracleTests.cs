using System.Text.Json;
using Flip.Flower.Npy;

namespace Flip.Flower.Tests.Npy;

/// <summary>Byte equality with files numpy 1.24.2 wrote (tests/Flip.Flower.Tests/Data/numpy).</summary>
public sealed class NumpyOracleTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Data", "numpy");

    public static TheoryData<string, string, int[], bool> Cases()
    {
        var data = new TheoryData<string, string, int[], bool>();
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "cases.json")));
        foreach (JsonElement c in doc.RootElement.EnumerateArray())
        {
            data.Add(
                c.GetProperty("file").GetString()!,
                c.GetProperty("dtype").GetString()!,
                c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                c.GetProperty("fortran").GetBoolean());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_and_encode_match_numpy_byte_for_byte(string file, string dtype, int[] shape, bool fortran)
    {
        byte[] npy = File.ReadAllBytes(Path.Combine(Folder, file));

        NpyArray array = NpyCodec.Decode(npy);

        Assert.Equal(dtype, array.DType.Name);
        Assert.Equal(shape, array.Shape.ToArray());
        Assert.Equal(fortran, array.FortranOrder);
        Assert.Equal(npy, NpyCodec.Encode(array));

        // Rebuilt from values alone (not from the decoded header), the bytes are still numpy's.
        NpyArray rebuilt = NpyArray.Create(array.DType, shape, array.Data.ToArray(), fortran);
        Assert.Equal(npy, NpyCodec.Encode(rebuilt));
    }

    [Fact]
    public void Numpy_values_decode_to_the_same_numbers()
    {
        Assert.Equal([1UL, 9223372036854775808UL], NpyCodec.Decode(File.ReadAllBytes(Path.Combine(Folder, "uint64_2.npy"))).ToArray<ulong>());
        Assert.Equal([true, false, true], NpyCodec.Decode(File.ReadAllBytes(Path.Combine(Folder, "bool_3.npy"))).ToArray<bool>());
        Assert.Equal([(Half)1, (Half)2, (Half)3, (Half)4], NpyCodec.Decode(File.ReadAllBytes(Path.Combine(Folder, "float16_2x2.npy"))).ToArray<Half>());
        Assert.Equal([3.25], NpyCodec.Decode(File.ReadAllBytes(Path.Combine(Folder, "float64_scalar.npy"))).ToArray<double>());
        Assert.Equal([(sbyte)-1, 0, 1, 127], NpyCodec.Decode(File.ReadAllBytes(Path.Combine(Folder, "int8_4.npy"))).ToArray<sbyte>());
    }
}
