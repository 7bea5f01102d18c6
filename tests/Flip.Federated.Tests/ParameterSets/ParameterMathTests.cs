using CsCheck;

namespace Flip.Federated.Tests.ParameterSets;

public sealed class ParameterMathTests
{
    private static float[][] RandomArrays(Random random, int[] lengths)
        => [.. lengths.Select(n => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray())];

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    [InlineData(3, 1)]
    [InlineData(6, 2)]
    [InlineData(9, 2)]
    public void WeightedSum_agrees_with_a_naive_loop(int clients, int threads)
    {
        // Given arrays of awkward lengths (tails shorter than a vector, several blocks, one big array).
        var random = new Random(clients * 10 + threads);
        int[] lengths = [1, 7, 33, 4096, 4097, 70_001, 3];
        var inputs = Enumerable.Range(0, clients).Select(_ => (IReadOnlyList<float[]>)RandomArrays(random, lengths)).ToList();
        // Weights of a mean (summing to 1), as in BENCHMARKS.md W3, where the bound is 1e-6 absolute.
        var raw = Enumerable.Range(0, clients).Select(_ => random.NextDouble() + 0.1).ToList();
        var weights = raw.Select(w => (float)(w / raw.Sum())).ToList();
        var output = lengths.Select(n => new float[n]).ToList();

        ParameterMath.WeightedSum(inputs, weights, output, threads);

        for (int a = 0; a < lengths.Length; a++)
        {
            for (int j = 0; j < lengths[a]; j++)
            {
                double naive = 0;
                for (int k = 0; k < clients; k++)
                {
                    naive += (double)weights[k] * inputs[k][a][j];
                }

                Assert.True(Math.Abs(naive - output[a][j]) <= 1e-6, $"array {a} element {j}: naive {naive}, kernel {output[a][j]}");
            }
        }
    }

    [Fact]
    public void WeightedSum_gives_bit_identical_results_with_one_or_two_threads()
    {
        var random = new Random(5);
        int[] lengths = [100_003, 64, 250_000];
        var inputs = Enumerable.Range(0, 6).Select(_ => (IReadOnlyList<float[]>)RandomArrays(random, lengths)).ToList();
        float[] weights = [96 / 576f, 64 / 576f, 160 / 576f, 48 / 576f, 128 / 576f, 80 / 576f];
        var one = lengths.Select(n => new float[n]).ToList();
        var two = lengths.Select(n => new float[n]).ToList();

        ParameterMath.WeightedSum(inputs, weights, one, 1);
        ParameterMath.WeightedSum(inputs, weights, two, 2);

        for (int a = 0; a < lengths.Length; a++)
        {
            Assert.Equal(one[a], two[a]);
        }
    }

    [Fact]
    public void WeightedSum_with_streaming_stores_on_large_arrays_agrees_with_the_naive_loop_and_across_threads()
    {
        // An array long enough for the streaming-store path (≥ 2^18 elements), odd so the alignment peel and the tail run;
        // with two threads the split point falls inside it and part of it takes the ordinary path.
        var random = new Random(17);
        int[] lengths = [2_500_003];
        var inputs = Enumerable.Range(0, 6).Select(_ => (IReadOnlyList<float[]>)RandomArrays(random, lengths)).ToList();
        float[] weights = [96 / 576f, 64 / 576f, 160 / 576f, 48 / 576f, 128 / 576f, 80 / 576f];
        var one = new[] { new float[lengths[0]] };
        var two = new[] { new float[lengths[0]] };

        ParameterMath.WeightedSum(inputs, weights, one, 1);
        ParameterMath.WeightedSum(inputs, weights, two, 2);

        Assert.Equal(one[0], two[0]);
        double worst = 0;
        for (int j = 0; j < lengths[0]; j++)
        {
            double naive = 0;
            for (int k = 0; k < 6; k++)
            {
                naive += (double)weights[k] * inputs[k][0][j];
            }

            worst = Math.Max(worst, Math.Abs(naive - one[0][j]));
        }

        Assert.True(worst <= 1e-6, $"largest difference {worst}");
    }

    [Fact]
    public void WeightedMean_rounds_int64_counters_and_averages_float64_in_double()
    {
        // num_batches_tracked: (5·10 + 2·20 + 9·13) / 16 = (50 + 40 + 117) / 16 = 207/16 = 12.9375 → 13
        // float64: (5·1 + 2·2 + 9·3) / 16 = 36/16 = 2.25
        static ParameterSet Set(long tracked, double value) => ParameterSet.Create(
            ParameterArray.Int64("bn.num_batches_tracked", [], [tracked]),
            ParameterArray.Float64("scale", [1], [value]));

        var mean = ParameterMath.WeightedMean([Set(10, 1), Set(20, 2), Set(13, 3)], [5, 2, 9]);

        Assert.Equal(13L, mean["bn.num_batches_tracked"].AsInt64().Span[0]);
        Assert.Equal(2.25, mean["scale"].AsFloat64().Span[0]);
    }

    [Fact]
    public void WeightedMean_rejects_weights_that_sum_to_zero()
    {
        var set = ParameterSet.Create(ParameterArray.Float32("w", 1));

        var error = Assert.Throws<ArgumentException>(() => ParameterMath.WeightedMean([set, set], [0, 0]));

        Assert.StartsWith("The weights sum to 0", error.Message);
    }

    [Fact]
    public void Subtract_AddScaled_and_L2Norm_match_hand_computed_values()
    {
        var a = ParameterSet.Create(ParameterArray.Float32("w", 4, 6), ParameterArray.Int64("n", [], [7]));
        var b = ParameterSet.Create(ParameterArray.Float32("w", 1, 2), ParameterArray.Int64("n", [], [3]));

        var difference = ParameterMath.Subtract(a, b);         // [3, 4], counter carried from a (7)
        var step = ParameterMath.AddScaled(a, b, -0.5);         // [4 − 0.5, 6 − 1] = [3.5, 5]

        Assert.Equal([3f, 4], difference["w"].AsFloat32().ToArray());
        Assert.Equal(7L, difference["n"].AsInt64().Span[0]);
        Assert.Equal([3.5f, 5], step["w"].AsFloat32().ToArray());
        Assert.Equal(5.0, ParameterMath.L2Norm(difference));   // √(9 + 16), counters excluded
        Assert.Equal(25.0, ParameterMath.SquaredDistance(a, b));
    }

    [Fact]
    public void AllFinite_names_the_first_array_with_a_NaN_or_infinity()
    {
        var set = ParameterSet.Create(
            ParameterArray.Float32("ok", 1, 2),
            ParameterArray.Int64("counter", [], [5]),
            ParameterArray.Float64("bad", [2], [1, double.PositiveInfinity]),
            ParameterArray.Float32("also-bad", float.NaN));

        Assert.False(ParameterMath.AllFinite(set, out string? bad));
        Assert.Equal("bad", bad);
        Assert.True(ParameterMath.AllFinite(set.Where(a => a.Name is "ok" or "counter"), out _));
    }

    [Fact]
    public void WeightedMean_of_identical_sets_returns_them()
    {
        Gen.Float[-1000f, 1000f].Array[1, 50].Select(Gen.Int[1, 8], Gen.Int[1, 1000].Array[8]).Sample((values, count, weights) =>
        {
            var set = ParameterSet.Create(ParameterArray.Float32("w", values));
            var mean = ParameterMath.WeightedMean([.. Enumerable.Repeat(set, count)], [.. weights.Take(count).Select(w => (double)w)]);
            var actual = mean["w"].AsFloat32().Span;
            for (int i = 0; i < values.Length; i++)
            {
                // The normalised float32 weights sum to 1 within a few ulps.
                Assert.True(Math.Abs(actual[i] - values[i]) <= 1e-5 * Math.Max(1, Math.Abs(values[i])), $"{actual[i]} vs {values[i]}");
            }
        });
    }

    [Fact]
    public void WeightedMean_does_not_depend_on_site_order_beyond_rounding()
    {
        Gen.Float[-10f, 10f].Array[12].Array[2, 6].Select(Gen.Int[1, 100].Array[6], Gen.Int[0, 1000]).Sample((sets, weights, seed) =>
        {
            var parameterSets = sets.Select(v => ParameterSet.Create(ParameterArray.Float32("w", v))).ToList();
            var w = weights.Take(sets.Length).Select(x => (double)x).ToList();
            var order = Enumerable.Range(0, sets.Length).OrderBy(_ => new Random(seed).Next()).ToList();
            order = [.. order.OrderBy(i => (i * 7919 + seed) % 13)];

            var forward = ParameterMath.WeightedMean(parameterSets, w)["w"].AsFloat32().ToArray();
            var shuffled = ParameterMath.WeightedMean([.. order.Select(i => parameterSets[i])], [.. order.Select(i => w[i])])["w"].AsFloat32().ToArray();

            for (int i = 0; i < forward.Length; i++)
            {
                Assert.True(Math.Abs(forward[i] - shuffled[i]) <= 1e-5, $"{forward[i]} vs {shuffled[i]}");
            }
        });
    }

    [Fact]
    public void Vectorised_sums_and_differences_equal_the_double_evaluated_ones_bit_for_bit_over_every_exponent()
    {
        // Subtract and Add run on TensorPrimitives; Zip evaluates in double and rounds once. A float32 sum or difference
        // is correctly rounded either way, so the bits must agree: across exponents far apart, subnormals, signed zeros,
        // infinities and NaN, and in float64.
        var random = new Random(20);
        float Any() => random.Next(20) switch
        {
            0 => 0f,
            1 => -0f,
            2 => float.Epsilon * random.Next(1, 1000),
            3 => float.PositiveInfinity,
            4 => float.NaN,
            _ => (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-140, 128))),
        };
        float[] x = [.. Enumerable.Range(0, 100_003).Select(_ => Any())], y = [.. Enumerable.Range(0, 100_003).Select(_ => Any())];
        double[] u = [.. x.Select(v => (double)v * 1.000001)], w = [.. y.Select(v => (double)v / 3)];
        var a = ParameterSet.Create(ParameterArray.Float32("f", [x.Length], x), ParameterArray.Float64("d", [u.Length], u), ParameterArray.Int64("n", [3], [1, 2, 3]));
        var b = ParameterSet.Create(ParameterArray.Float32("f", [y.Length], y), ParameterArray.Float64("d", [w.Length], w), ParameterArray.Int64("n", [3], [7, 8, 9]));

        foreach (var (vectorised, evaluated) in new[]
        {
            (ParameterMath.Subtract(a, b), ParameterMath.Zip(a, b, static (p, q) => p - q)),
            (ParameterMath.Add(a, b), ParameterMath.Zip(a, b, static (p, q) => p + q)),
        })
        {
            Assert.True(vectorised[0].AsFloat32().Span.SequenceEqual(evaluated[0].AsFloat32().Span), "float32");
            Assert.True(vectorised[1].AsFloat64().Span.SequenceEqual(evaluated[1].AsFloat64().Span), "float64");
            Assert.Equal(new long[] { 1, 2, 3 }, vectorised[2].AsInt64().ToArray()); // int64 carried from the first operand
        }
    }
}
