using Flip.Flower.Fleet;
using Flip.Flower.Npy;
using Flip.Flower.Records;

namespace Flip.Flower.Tests.Legacy;

/// <summary>Answers with the values of flower-vectors/legacy's client messages.</summary>
internal sealed class VectorApp : IFlowerApp
{
    public List<string> Seen { get; } = [];

    private static ArrayRecord ParametersP() => ArrayRecord.FromList([
        NpyCodec.Decode(Vectors.Read("npy/a_2x2_float32.npy")),
        NpyCodec.Decode(Vectors.Read("npy/b_1_float32.npy")),
    ]);

    public Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct)
    {
        ConfigRecord config = (ConfigRecord)instruction.Content[RecordKeys.Config];
        ArrayRecord arrays = (ArrayRecord)instruction.Content[RecordKeys.Arrays];
        Seen.Add($"train lr={config["lr"].AsDouble()} epochs={config["local_epochs"].AsInt64()} name={config["name"].AsString()} arrays={string.Join(",", arrays.Select(a => a.Value))}");
        return Task.FromResult(new RecordDict
        {
            { RecordKeys.Arrays, ParametersP() },
            { RecordKeys.Metrics, new MetricRecord { { "loss", RecordValue.Of(0.25) }, { RecordKeys.NumExamples, RecordValue.Of(42L) } } },
        });
    }

    public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct)
    {
        Seen.Add($"evaluate round={((ConfigRecord)instruction.Content[RecordKeys.Config])["server_round"].AsInt64()}");
        return Task.FromResult(new RecordDict
        {
            { RecordKeys.Metrics, new MetricRecord { { "loss", RecordValue.Of(0.125) }, { "accuracy", RecordValue.Of(0.875) }, { RecordKeys.NumExamples, RecordValue.Of(42L) } } },
        });
    }

    public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct)
    {
        Seen.Add(instruction.MessageType);
        return Task.FromResult(instruction.MessageType == "query.get_parameters"
            ? new RecordDict { { RecordKeys.Arrays, ParametersP() } }
            : new RecordDict
            {
                {
                    "properties", new ConfigRecord
                    {
                        { "blob", RecordValue.Of([0x00, 0x01]) },
                        { "big", RecordValue.Of(9223372036854775808UL) },
                        { "flag", RecordValue.Of(true) },
                        { "site", RecordValue.Of("site-a") },
                    }
                },
            });
    }
}
