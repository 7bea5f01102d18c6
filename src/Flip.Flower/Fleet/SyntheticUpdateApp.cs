using Flip.Federated;
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
    /// <summary>A model for such nodes (<c>bench load</c>'s, the server tests'): <paramref name="arrays"/> float32 arrays <c>layer{i}.weight</c> of [rows, 1000] (rows = <paramref name="valuesPerArray"/>/1000), small non-zero weights.</summary>
    /// <param name="arrays">Number of arrays (25 for BENCHMARKS.md's 25M set).</param>
    /// <param name="valuesPerArray">Values per array, a multiple of 1000 (1,000,000 for the 25M set).</param>
    /// <returns>The parameters.</returns>
    /// <remarks>
    /// Values, not zeros: the operating system maps an untouched array of zeros lazily, so a zero model would not be in the
    /// server's base RSS and would show up in the peak instead, as if it were aggregation memory; and every array differs,
    /// so no two share a content address.
    /// </remarks>
    public static ParameterSet Model(int arrays, int valuesPerArray)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(arrays, 1);
        if (valuesPerArray < 1000 || valuesPerArray % 1000 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(valuesPerArray), valuesPerArray, "Expected a positive multiple of 1000.");
        }

        return ParameterSet.Create(Enumerable.Range(0, arrays).Select(i =>
        {
            float[] values = GC.AllocateUninitializedArray<float>(valuesPerArray);
            for (int j = 0; j < values.Length; j++)
            {
                values[j] = 0.01f * ((((j * 7919) + i) % 201) - 100) / 100f;
            }

            return ParameterArray.AdoptFloat32(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"layer{i}.weight"), [valuesPerArray / 1000, 1000], values);
        }));
    }

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
