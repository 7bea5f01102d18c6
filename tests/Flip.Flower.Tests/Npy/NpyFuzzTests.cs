using CsCheck;
using Flip.Flower.Npy;
using Flip.Flower.Objects;

namespace Flip.Flower.Tests.Npy;

/// <summary>Damaged input is refused with a <see cref="FlowerProtocolException"/>, never another exception.</summary>
public sealed class NpyFuzzTests
{
    private static readonly byte[][] Seeds =
    [
        Vectors.Read("npy/a_2x2_float32.npy"),
        Vectors.Read("npy/e_scalar_float32.npy"),
        Vectors.Read("npy/g_2x2_float32_fortran.npy"),
        Vectors.Read("npy/d_3_int64.npy"),
    ];

    private static readonly Gen<byte[]> Damaged =
        Gen.Select(Gen.Int[0, Seeds.Length - 1], Gen.Int[0, 200].Array[1, 4], Gen.Byte.Array[4], Gen.Int[0, 200]).Select((seed, positions, values, cut) =>
        {
            byte[] bytes = (byte[])Seeds[seed].Clone();
            for (int i = 0; i < positions.Length; i++)
            {
                bytes[positions[i] % bytes.Length] = values[i];
            }

            return bytes[..Math.Min(bytes.Length, cut)];
        });

    [Fact]
    public void Damaged_npy_bytes_decode_or_fail_with_a_protocol_error()
    {
        Damaged.Sample(bytes =>
        {
            try
            {
                NpyArray a = NpyCodec.Decode(bytes);
                Assert.Equal(a.ElementCount * a.DType.ItemSize, a.Data.Length);
            }
            catch (FlowerProtocolException e)
            {
                Assert.StartsWith("NPY: ", e.Message, StringComparison.Ordinal);
            }
        }, iter: 5000);
    }

    [Fact]
    public void Damaged_object_bytes_parse_or_fail_with_a_protocol_error()
    {
        byte[] original = Vectors.Read("fleet/train_ins/objects/9a6df3451aa0b992591a9034c8bd92ed282fdd133b06f879662523e78df61e38.bin");
        Gen.Select(Gen.Int[0, original.Length - 1].Array[1, 3], Gen.Byte.Array[3], Gen.Int[0, original.Length]).Sample((positions, values, cut) =>
        {
            byte[] bytes = (byte[])original.Clone();
            for (int i = 0; i < positions.Length; i++)
            {
                bytes[positions[i]] = values[i];
            }

            bytes = bytes[..cut];
            try
            {
                FlowerObject o = FlowerObject.Parse(bytes);
                Assert.Equal(FlowerObject.ComputeId(bytes), o.Id);
            }
            catch (FlowerProtocolException e)
            {
                Assert.StartsWith("Flower object ", e.Message, StringComparison.Ordinal);
            }
        }, iter: 3000);
    }
}
