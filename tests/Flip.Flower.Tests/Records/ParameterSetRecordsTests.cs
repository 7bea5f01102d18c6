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
