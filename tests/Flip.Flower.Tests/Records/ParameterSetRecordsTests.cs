using Flip.Federated;
using Flip.Flower.Npy;
using Flip.Flower.Records;

namespace Flip.Flower.Tests.Records;

public sealed class ParameterSetRecordsTests
{
    private static ParameterSet Sample() => ParameterSet.Create(
        ParameterArray.Float32("enc1.conv1.weight", [2, 3], [1.5f, -2f, float.Epsilon, 0f, 3.25f, -0f]),
        ParameterArray.Float32("enc1.bn1.running_var", [2], [1f, 0.5f]),
        ParameterArray.Int64("enc1.bn1.num_batches_tracked", [], [long.MaxValue - 7]));

    [Fact]
    public void A_parameter_set_round_trips_through_an_ArrayRecord_bit_exactly()
    {
        ParameterSet original = Sample();

        ArrayRecord record = original.ToArrayRecord();
        ParameterSet back = record.ToParameterSet(original.Layout);

        Assert.Equal(original.Names, record.Keys);
        Assert.True(original.ContentEquals(back));
        Assert.Equal(NpyDType.Int64, record["enc1.bn1.num_batches_tracked"].DType);
    }

    [Fact]
    public void Received_float32_values_are_read_in_place_and_sent_without_a_copy()
    {
        // Given NPY bytes as a node's update arrives (the values start at an odd offset, as inside a Flower object).
        byte[] npy = NpyCodec.Encode(NpyArray.FromValues<float>([1f, 2f, 3f, 4f, 5f, 6f], 2, 3));
        byte[] received = [0x55, .. npy];
        NpyArray decoded = NpyCodec.DecodeShared(received.AsMemory(1));
        ParameterLayout layout = ParameterSet.Create(ParameterArray.Float32("w", [2, 3], new float[6])).Layout;

        ParameterSet read = new ArrayRecord { { "w", decoded } }.ToParameterSet(layout);

        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], read[0].AsFloat32().ToArray());
        Assert.Equal(3.0, read[0].GetDouble(2));
        Assert.Equal([1.0, 2, 3, 4, 5, 6], read[0].ToDoubleArray());
        // A view: the received bytes are the values (nothing else writes to them; this test does, to show it).
        BitConverter.TryWriteBytes(received.AsSpan(received.Length - 4), 60f);
        Assert.Equal(60f, read[0].AsFloat32().Span[5]);
        // Sending it on encodes the same view, and the bytes equal a fresh encoding.
        Assert.Equal(NpyCodec.Encode(NpyArray.FromValues<float>([1f, 2f, 3f, 4f, 5f, 60f], 2, 3)), NpyCodec.Encode(read.ToArrayRecord()["w"]));
        using (System.Buffers.MemoryHandle pinned = read[0].AsFloat32()[5..].Pin())
        {
            float[] copy = new float[1];
            System.Runtime.InteropServices.Marshal.Copy(PointerOf(pinned), copy, 0, 1);
            Assert.Equal(60f, copy[0]);
        }
    }

    private static unsafe IntPtr PointerOf(System.Buffers.MemoryHandle handle) => (IntPtr)handle.Pointer;

    [Fact]
    public void The_legacy_list_round_trips_through_NPY_bytes_with_names_from_the_layout()
    {
        ParameterSet original = Sample();

        var blobs = original.ToFlowerArrays().Select(a => NpyCodec.Encode(a)).ToList();
        ParameterSet back = ParameterSetRecords.FromFlowerArrays([.. blobs.Select(b => NpyCodec.Decode(b))], original.Layout);

        Assert.True(original.ContentEquals(back));
    }

    [Fact]
    public void A_counter_that_Flower_averaged_into_float64_is_cast_back_to_int64()
    {
        ParameterSet original = Sample();
        var arrays = original.ToFlowerArrays().ToList();
        arrays[2] = NpyArray.FromValues<double>([12.0], []);   // numpy's FedAvg returns float64

        ParameterSet back = ParameterSetRecords.FromFlowerArrays(arrays, original.Layout);

        Assert.Equal(ParameterDataType.Int64, back["enc1.bn1.num_batches_tracked"].DataType);
        Assert.Equal(12, back["enc1.bn1.num_batches_tracked"].AsInt64().Span[0]);
    }

    [Fact]
    public void A_shape_that_differs_from_the_model_is_named()
    {
        ParameterSet original = Sample();
        var arrays = original.ToFlowerArrays().ToList();
        arrays[0] = NpyArray.FromValues<float>([1, 2, 3], [3]);

        var error = Assert.Throws<FlowerProtocolException>(() => ParameterSetRecords.FromFlowerArrays(arrays, original.Layout));

        Assert.Contains("array 'enc1.conv1.weight'", error.Message);
        Assert.Contains("has shape [3]; the model has [2,3]", error.Message);
    }
}
