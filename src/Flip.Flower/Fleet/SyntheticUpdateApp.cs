using Flip.Flower.Npy;
using Flip.Flower.Records;

namespace Flip.Flower.Fleet;

/// <summary>
/// A node app for load tests: "trains" by adding its own offset to every float32 value of the global
/// model (so every node's update is different and nothing is shared by content address) and reports
/// its example count; it can spoil its update on purpose (<see cref="UpdateDefect"/>).
/// </summary>
/// <param name="offset">Added to every value; the expected FedAvg result is the global model plus the example-weighted mean offset.</param>
/// <param name="examples">The example count reported.</param>
/// <param name="defect">How to spoil the update.</param>
public sealed class SyntheticUpdateApp(float offset, long examples, UpdateDefect defect = UpdateDefect.None) : IFlowerApp
{
    /// <inheritdoc/>
    public Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        var arrays = new ArrayRecord();
        bool first = true;
        foreach ((string name, NpyArray global) in (ArrayRecord)instruction.Content[RecordKeys.Arrays])
        {
            float[] values = global.ToArray<float>();
            for (int i = 0; i < values.Length; i++)
            {
                values[i] += offset;
            }

            int[] shape = [.. global.Shape];
            if (first && defect == UpdateDefect.WrongShape && shape.Length == 2)
            {
                (shape[0], shape[1]) = (shape[1], shape[0]);
                if (shape[0] == shape[1])
                {
                    shape = [shape[0] * shape[1]];
                }
            }

            if (first && defect == UpdateDefect.NonFinite)
            {
                values[0] = float.NaN;
                values[^1] = float.PositiveInfinity;
            }

            arrays.Add(name, defect == UpdateDefect.WrongDtype
                ? NpyArray.FromValues<double>([.. values.Select(v => (double)v)], shape)
                : NpyArray.FromValues<float>(values, shape));
            first = false;
        }

        if (defect == UpdateDefect.Oversize)
        {
            arrays.Add("padding", NpyArray.FromValues<float>(new float[4 << 20], 4 << 20));
        }

        return Task.FromResult(new RecordDict
        {
            { RecordKeys.Arrays, arrays },
            { RecordKeys.Metrics, new MetricRecord { { "train-loss", RecordValue.Of((double)offset) }, { RecordKeys.NumExamples, RecordValue.Of(examples) } } },
        });
    }

    /// <inheritdoc/>
    public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct) => Task.FromResult(new RecordDict
    {
        { RecordKeys.Metrics, new MetricRecord { { "loss", RecordValue.Of(0.0) }, { RecordKeys.NumExamples, RecordValue.Of(examples) } } },
    });

    /// <inheritdoc/>
    public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct) => Task.FromResult(new RecordDict());
}
