using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.InteropServices;
using Flip.Federated;

namespace Flip.Benchmarks.Federated;

/// <summary>
/// BENCHMARKS.md W3: FedAvg aggregation of six clients (n = 96, 64, 160, 48, 128, 80) on the W1
/// set and the 25M set with <see cref="ParameterMath.WeightedSum"/> into preallocated outputs, plus
/// the 400 MB copy and read-sum bandwidth probes, with 1 and 2 threads. <c>flip-research bench</c>
/// prints the result.
/// </summary>
public static class AggregationBenchmark
{
    /// <summary>The name of the copy probe.</summary>
    public const string CopyProbe = "copy";

    /// <summary>The name of the read-only sum probe.</summary>
    public const string ReadSumProbe = "read-sum";

    /// <summary>The name of the W1 workload.</summary>
    public const string W1SetName = "W1 set";

    /// <summary>The name of the 25M workload.</summary>
    public const string Set25MName = "25M set";

    /// <summary>The example counts of the six clients (total 576).</summary>
    public static IReadOnlyList<int> ExampleCounts { get; } = [96, 64, 160, 48, 128, 80];

    /// <summary>
    /// The 78 float32 arrays of the W1 U-Net's <c>state_dict</c> in PyTorch order, without the 14
    /// <c>num_batches_tracked</c> counters: 484,162 values, 1,936,648 bytes.
    /// </summary>
    /// <returns>The specs.</returns>
    public static IReadOnlyList<ParameterSpec> W1Layout() => [.. W1StateDictLayout().Where(s => s.DataType == ParameterDataType.Float32)];

    /// <summary>
    /// The W1 U-Net's whole <c>state_dict</c> in PyTorch order: 92 entries, the 78 float32 arrays and the
    /// 14 int64 <c>num_batches_tracked</c> scalars (shape <c>[]</c>) after each BatchNorm's running variance.
    /// </summary>
    /// <returns>The specs.</returns>
    public static IReadOnlyList<ParameterSpec> W1StateDictLayout()
    {
        var specs = new List<ParameterSpec>();
        void Add(string name, params int[] shape) => specs.Add(new ParameterSpec(name, ParameterDataType.Float32, [.. shape]));
        void DoubleConv(string prefix, int cin, int cout)
        {
            Add($"{prefix}.conv1.weight", cout, cin, 3, 3);
            foreach (string part in new[] { "weight", "bias", "running_mean", "running_var" })
            {
                Add($"{prefix}.bn1.{part}", cout);
            }

            specs.Add(new ParameterSpec($"{prefix}.bn1.num_batches_tracked", ParameterDataType.Int64, []));
            Add($"{prefix}.conv2.weight", cout, cout, 3, 3);
            foreach (string part in new[] { "weight", "bias", "running_mean", "running_var" })
            {
                Add($"{prefix}.bn2.{part}", cout);
            }

            specs.Add(new ParameterSpec($"{prefix}.bn2.num_batches_tracked", ParameterDataType.Int64, []));
        }

        void Up(string prefix, int cin, int cout)
        {
            Add($"{prefix}.weight", cin, cout, 2, 2);
            Add($"{prefix}.bias", cout);
        }

        DoubleConv("enc1", 3, 16);
        DoubleConv("enc2", 16, 32);
        DoubleConv("enc3", 32, 64);
        DoubleConv("bottleneck", 64, 128);
        Up("up3", 128, 64);
        DoubleConv("dec3", 128, 64);
        Up("up2", 64, 32);
        DoubleConv("dec2", 64, 32);
        Up("up1", 32, 16);
        DoubleConv("dec1", 32, 16);
        Add("head.weight", 2, 16, 1, 1);
        Add("head.bias", 2);
        return specs;
    }

    /// <summary>The 25 arrays of shape [1000, 1000] of the 25M set.</summary>
    /// <returns>The specs.</returns>
    public static IReadOnlyList<ParameterSpec> Layout25M()
        => [.. Enumerable.Range(0, 25).Select(i => new ParameterSpec($"layer{i}.weight", ParameterDataType.Float32, ImmutableArray.Create(1000, 1000)))];

    /// <summary>Runs W3 and returns the figures. Takes tens of seconds and about 1.5 GB with the default options.</summary>
    /// <param name="options">What to measure; the W3 definition by default.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="ct">Stops between calls.</param>
    /// <returns>The figures.</returns>
    public static AggregationBenchmarkResult Run(AggregationBenchmarkOptions? options = null, TimeProvider? timeProvider = null, CancellationToken ct = default)
    {
        options ??= new AggregationBenchmarkOptions();
        var time = timeProvider ?? TimeProvider.System;
        var aggregations = new List<AggregationMeasurement>();
        if (options.IncludeW1Set)
        {
            aggregations.AddRange(MeasureSet(W1SetName, W1Layout(), 5, options.W1MeasuredCalls, options, time, ct));
        }

        if (options.Include25MSet)
        {
            aggregations.AddRange(MeasureSet(Set25MName, Layout25M(), 1, options.Set25MMeasuredCalls, options, time, ct));
        }

        var bandwidth = new List<BandwidthMeasurement>();
        if (options.BandwidthProbeBytes > 0)
        {
            bandwidth.AddRange(MeasureBandwidth(options, time, ct));
        }

        return new AggregationBenchmarkResult(aggregations, bandwidth, Vector<float>.Count * 32, Environment.ProcessorCount, LoadAverage());
    }

    private static double? LoadAverage()
    {
        const string path = "/proc/loadavg";
        try
        {
            if (File.Exists(path)
                && double.TryParse(File.ReadAllText(path).Split(' ')[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double load))
            {
                return load;
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    /// <summary>
    /// Aggregates six synthetic clients of a layout once with the kernel and once with a naive double
    /// loop, and returns the largest absolute difference (W3 requires ≤ 1e-6).
    /// </summary>
    /// <param name="layout">The arrays, e.g. <see cref="W1Layout"/>.</param>
    /// <param name="threads">The kernel's thread count.</param>
    /// <param name="seed">The seed of the synthetic values.</param>
    /// <returns>The largest |kernel − naive|.</returns>
    public static double MaxErrorVsNaive(IReadOnlyList<ParameterSpec> layout, int threads, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var (clients, weights, output) = Prepare(layout, seed);
        ParameterMath.WeightedSum(clients, weights, output, threads);
        return MaxError(clients, output);
    }

    private static (List<IReadOnlyList<float[]>> Clients, float[] Weights, float[][] Output) Prepare(IReadOnlyList<ParameterSpec> layout, int seed)
    {
        var random = new Random(seed);
        var clients = new List<IReadOnlyList<float[]>>();
        for (int k = 0; k < ExampleCounts.Count; k++)
        {
            var arrays = new float[layout.Count][];
            for (int a = 0; a < layout.Count; a++)
            {
                var values = GC.AllocateUninitializedArray<float>(layout[a].Length);
                for (int j = 0; j < values.Length; j++)
                {
                    values[j] = (float)((random.NextDouble() * 2) - 1);
                }

                arrays[a] = values;
            }

            clients.Add(arrays);
        }

        int total = ExampleCounts.Sum();
        float[] weights = [.. ExampleCounts.Select(n => (float)((double)n / total))];
        float[][] output = [.. layout.Select(s => new float[s.Length])];
        return (clients, weights, output);
    }

    private static double MaxError(List<IReadOnlyList<float[]>> clients, float[][] output)
    {
        int total = ExampleCounts.Sum();
        double worst = 0;
        for (int a = 0; a < output.Length; a++)
        {
            for (int j = 0; j < output[a].Length; j++)
            {
                double naive = 0;
                for (int k = 0; k < clients.Count; k++)
                {
                    naive += (double)ExampleCounts[k] / total * clients[k][a][j];
                }

                worst = Math.Max(worst, Math.Abs(naive - output[a][j]));
            }
        }

        return worst;
    }

    private static IEnumerable<AggregationMeasurement> MeasureSet(string name, IReadOnlyList<ParameterSpec> layout, int warmUpCalls, int measuredCalls, AggregationBenchmarkOptions options, TimeProvider time, CancellationToken ct)
    {
        var (clients, weights, output) = Prepare(layout, options.Seed);
        long bytesPerSet = layout.Sum(s => (long)s.Length) * sizeof(float);
        var results = new List<AggregationMeasurement>();
        foreach (int threads in options.ThreadCounts)
        {
            var times = Measure(() => ParameterMath.WeightedSum(clients, weights, output, threads), warmUpCalls, measuredCalls, options.MinimumWarmUp, time, ct);
            double median = Median(times);
            results.Add(new AggregationMeasurement(
                name,
                threads,
                measuredCalls,
                median * 1e3,
                times.Min() * 1e3,
                times.Max() * 1e3,
                clients.Count * bytesPerSet / median / 1e9,
                Preallocated: true,
                MaxError(clients, output)));
        }

        return results;
    }

    private static IEnumerable<BandwidthMeasurement> MeasureBandwidth(AggregationBenchmarkOptions options, TimeProvider time, CancellationToken ct)
    {
        long count = options.BandwidthProbeBytes / sizeof(float);
        var source = GC.AllocateUninitializedArray<float>(checked((int)count));
        var destination = GC.AllocateUninitializedArray<float>(source.Length);
        source.AsSpan().Fill(1.0f);
        destination.AsSpan().Clear();
        long bytes = count * sizeof(float);
        var results = new List<BandwidthMeasurement>();
        foreach (int threads in options.ThreadCounts)
        {
            var copy = Measure(() => Split(source.Length, threads, (_, from, length) => source.AsSpan(from, length).CopyTo(destination.AsSpan(from, length))), 2, 5, options.MinimumWarmUp, time, ct);
            results.Add(Bandwidth(CopyProbe, threads, bytes, 2.0 * bytes, copy));
            double sink = 0;
            var sum = Measure(() => sink += SplitSum(source, threads), 2, 5, options.MinimumWarmUp, time, ct);
            GC.KeepAlive(sink);
            results.Add(Bandwidth(ReadSumProbe, threads, bytes, bytes, sum));
        }

        return results;
    }

    private static BandwidthMeasurement Bandwidth(string probe, int threads, long bytes, double counted, List<double> seconds)
        => new(probe, threads, bytes, counted / Median(seconds) / 1e9, counted / seconds.Max() / 1e9, counted / seconds.Min() / 1e9);

    private static void Split(int length, int threads, Action<int, int, int> work)
    {
        if (threads <= 1)
        {
            work(0, 0, length);
            return;
        }

        int chunk = ((length / threads) + 15) & ~15;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int from = Math.Min(length, t * chunk);
            int to = t == threads - 1 ? length : Math.Min(length, from + chunk);
            work(t, from, to - from);
        });
    }

    private static double SplitSum(float[] values, int threads)
    {
        var partial = new double[threads];
        Split(values.Length, threads, (t, from, length) =>
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values.AsSpan(from, length));
            Vector<float> a = default, b = default, c = default, d = default;
            int i = 0;
            for (; i <= vectors.Length - 4; i += 4)
            {
                a += vectors[i];
                b += vectors[i + 1];
                c += vectors[i + 2];
                d += vectors[i + 3];
            }

            for (; i < vectors.Length; i++)
            {
                a += vectors[i];
            }

            partial[t] = Vector.Sum(a + b + c + d);
        });
        return partial.Sum();
    }

    private static List<double> Measure(Action call, int minimumWarmUpCalls, int measuredCalls, TimeSpan minimumWarmUp, TimeProvider time, CancellationToken ct)
    {
        long warmUpStart = time.GetTimestamp();
        int calls = 0;
        while (calls < minimumWarmUpCalls || time.GetElapsedTime(warmUpStart) < minimumWarmUp)
        {
            ct.ThrowIfCancellationRequested();
            call();
            calls++;
        }

        var seconds = new List<double>(measuredCalls);
        for (int i = 0; i < measuredCalls; i++)
        {
            ct.ThrowIfCancellationRequested();
            long start = time.GetTimestamp();
            call();
            seconds.Add(time.GetElapsedTime(start).TotalSeconds);
        }

        return seconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
