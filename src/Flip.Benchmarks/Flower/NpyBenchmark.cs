using System.Diagnostics;
using System.Runtime.InteropServices;
using Flip.Flower.Npy;

namespace Flip.Benchmarks.Flower;

/// <summary>
/// BENCHMARKS.md W4: serialise every array of a parameter set to NPY blobs as Flower does, and
/// deserialise the blobs back, on the W1 U-Net set (78 float32 arrays, 1,936,648 payload bytes)
/// and the 25M set (25 × [1000, 1000] float32).
/// </summary>
/// <remarks>Single-threaded; decoding copies each array once (as <c>np.load</c> does).</remarks>
public static class NpyBenchmark
{
    /// <summary>
    /// Shapes of the 78 float32 arrays of the W1 U-Net state dict, in <c>state_dict()</c> order
    /// without the 14 <c>num_batches_tracked</c> scalars: per DoubleConv <c>conv1.weight, bn1.{weight,
    /// bias, running_mean, running_var}, conv2.weight, bn2.{…}</c>; per ConvTranspose2d
    /// <c>weight [cin, cout, 2, 2], bias</c>; head <c>weight [2, 16, 1, 1], bias</c>.
    /// </summary>
    /// <returns>78 shapes, 484,162 values.</returns>
    public static IReadOnlyList<int[]> W1Shapes()
    {
        var shapes = new List<int[]>();
        void DoubleConv(int cin, int cout)
        {
            shapes.Add([cout, cin, 3, 3]);
            shapes.AddRange([[cout], [cout], [cout], [cout]]);
            shapes.Add([cout, cout, 3, 3]);
            shapes.AddRange([[cout], [cout], [cout], [cout]]);
        }

        void Up(int cin, int cout)
        {
            shapes.Add([cin, cout, 2, 2]);
            shapes.Add([cout]);
        }

        DoubleConv(3, 16);
        DoubleConv(16, 32);
        DoubleConv(32, 64);
        DoubleConv(64, 128);
        Up(128, 64);
        DoubleConv(128, 64);
        Up(64, 32);
        DoubleConv(64, 32);
        Up(32, 16);
        DoubleConv(32, 16);
        shapes.Add([2, 16, 1, 1]);
        shapes.Add([2]);
        return shapes;
    }

    /// <summary>Shapes of the 25M set: 25 arrays of [1000, 1000].</summary>
    /// <returns>25 shapes.</returns>
    public static IReadOnlyList<int[]> Shapes25M() => Enumerable.Range(0, 25).Select(_ => new[] { 1000, 1000 }).ToList();

    /// <summary>Runs W4 on the W1 set and (unless disabled) the 25M set.</summary>
    /// <param name="options">Counts and warm-up; <see langword="null"/> for BENCHMARKS.md's rules.</param>
    /// <param name="ct">Stops between calls.</param>
    /// <returns>One result per set.</returns>
    public static IReadOnlyList<NpyBenchmarkResult> Run(NpyBenchmarkOptions? options = null, CancellationToken ct = default)
    {
        options ??= new NpyBenchmarkOptions();
        var results = new List<NpyBenchmarkResult>
        {
            RunSet("W1", W1Shapes(), options.W1WarmupCalls, options.W1MeasuredCalls, options.MinimumWarmup, options.Seed, ct),
        };
        if (options.Include25M)
        {
            results.Add(RunSet("25M", Shapes25M(), options.Set25MWarmupCalls, options.Set25MMeasuredCalls, options.MinimumWarmup, options.Seed, ct));
        }

        return results;
    }

    /// <summary>Runs W4 on one set of float32 arrays with synthetic values.</summary>
    /// <param name="name">Name for the result.</param>
    /// <param name="shapes">Array shapes.</param>
    /// <param name="warmupCalls">Minimum warm-up calls per direction.</param>
    /// <param name="measuredCalls">Measured calls per direction.</param>
    /// <param name="minimumWarmup">Minimum warm-up time per direction.</param>
    /// <param name="seed">Seed of the values.</param>
    /// <param name="ct">Stops between calls.</param>
    /// <returns>The result.</returns>
    public static NpyBenchmarkResult RunSet(string name, IReadOnlyList<int[]> shapes, int warmupCalls, int measuredCalls, TimeSpan minimumWarmup, int seed, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        ArgumentOutOfRangeException.ThrowIfLessThan(measuredCalls, 1);
        var random = new Random(seed);
        var arrays = new NpyArray[shapes.Count];
        long payload = 0;
        for (int i = 0; i < shapes.Count; i++)
        {
            long count = shapes[i].Aggregate(1L, (product, dimension) => product * dimension);
            float[] values = new float[count];
            for (long j = 0; j < count; j++)
            {
                values[j] = (float)((random.NextDouble() * 2) - 1);
            }

            arrays[i] = NpyArray.Create(NpyDType.Float32, shapes[i], MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
            payload += arrays[i].Data.Length;
        }

        byte[][] blobs = EncodeAll(arrays);
        long npyBytes = blobs.Sum(b => (long)b.Length);

        TimeSpan[] encode = Measure(() => blobs = EncodeAll(arrays), warmupCalls, measuredCalls, minimumWarmup, ct);
        NpyArray[] decoded = [];
        TimeSpan[] decode = Measure(() => decoded = DecodeAll(blobs), warmupCalls, measuredCalls, minimumWarmup, ct);
        GC.KeepAlive(decoded);

        return new NpyBenchmarkResult(name, arrays.Length, payload, npyBytes, measuredCalls,
            Median(encode), encode.Min(), encode.Max(), Median(decode), decode.Min(), decode.Max());
    }

    private static byte[][] EncodeAll(NpyArray[] arrays)
    {
        var blobs = new byte[arrays.Length][];
        for (int i = 0; i < arrays.Length; i++)
        {
            blobs[i] = NpyCodec.Encode(arrays[i]);
        }

        return blobs;
    }

    private static NpyArray[] DecodeAll(byte[][] blobs)
    {
        var arrays = new NpyArray[blobs.Length];
        for (int i = 0; i < blobs.Length; i++)
        {
            arrays[i] = NpyCodec.Decode(blobs[i]);
        }

        return arrays;
    }

    private static TimeSpan[] Measure(Action call, int warmupCalls, int measuredCalls, TimeSpan minimumWarmup, CancellationToken ct)
    {
        long warmStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < warmupCalls || Stopwatch.GetElapsedTime(warmStart) < minimumWarmup; i++)
        {
            ct.ThrowIfCancellationRequested();
            call();
        }

        var times = new TimeSpan[measuredCalls];
        for (int i = 0; i < measuredCalls; i++)
        {
            ct.ThrowIfCancellationRequested();
            long start = Stopwatch.GetTimestamp();
            call();
            times[i] = Stopwatch.GetElapsedTime(start);
        }

        return times;
    }

    private static TimeSpan Median(TimeSpan[] times)
    {
        TimeSpan[] sorted = [.. times.Order()];
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
