using System.Diagnostics;
using Flip.Federated;
using Flip.Federated.Privacy;
using Flip.Federated.SecureAggregation;
using Flip.Federated.Strategies;

namespace Flip.Benchmarks.Federated;

/// <summary>
/// What secure aggregation costs and what it gives on the W1 U-Net's <c>state_dict</c> with six
/// sites: the round's aggregation time against plain FedAvg, bytes sent per site, the error against
/// FedAvg's exact mean, the sum with sites dropped, and how uniform one masked update looks to the
/// server. <c>flip-research bench secagg</c> prints it.
/// </summary>
public static class SecureAggregationBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    /// <param name="rounds">Timed aggregations of each kind (the median is reported).</param>
    /// <param name="dropped">How many of the six sites drop out in the dropout measurement.</param>
    /// <param name="seed">Seed of the synthetic updates.</param>
    /// <returns>The figures.</returns>
    public static SecureAggregationBenchmarkResult Run(int rounds = 5, int dropped = 2, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var layout = new ParameterLayout(AggregationBenchmark.W1StateDictLayout());
        var random = new Random(seed);
        var noise = new Gaussian(random);
        var global = ParameterMath.Map(ParameterSet.Zeros(layout), _ => 0.1 * noise.Next());
        var sites = AggregationBenchmark.ExampleCounts.Select((_, i) => new SiteId($"site-{i + 1}")).ToList();
        var replies = sites.Select((site, i) => new TrainReply(site, new SiteUpdate(
            ParameterMath.Map(global, x => x + (0.01 * noise.Next())), ParameterKind.Full, AggregationBenchmark.ExampleCounts[i], MetricSet.Empty))).ToList();
        var all = new TrainReplies(replies, []);
        var context = new RoundContext(1, 1, sites, new Random(seed));

        var plain = new FedAvg { MinTrainSites = 1 };
        var secure = new SecureFedAvg { MinTrainSites = 1 };
        ParameterSet plainResult = plain.AggregateTrain(context, global, all);
        ParameterSet secureResult = secure.AggregateTrain(context, global, all);
        double plainMs = Median(rounds, () => plain.AggregateTrain(context, global, all));
        double secureMs = Median(rounds, () => secure.AggregateTrain(context, global, all));
        long bytes = secure.LastSum!.BytesFromSites;

        // Dropouts: the last sites share keys and then fail; the result must be FedAvg over the survivors.
        var survivors = new TrainReplies(replies.Take(replies.Count - dropped).ToList(),
            [.. replies.Skip(replies.Count - dropped).Select(r => new SiteFailure(r.Site, 1, "train", FailureCategory.Dropout, "injected dropout"))]);
        var stopwatch = Stopwatch.StartNew();
        ParameterSet secureDropped = secure.AggregateTrain(context, global, survivors);
        double droppedMs = stopwatch.Elapsed.TotalMilliseconds;
        ParameterSet plainDropped = plain.AggregateTrain(context, global, survivors);

        var (chiSquare, p, correlation) = MaskedUniformity(replies[0].Update.Parameters, global, seed);
        long elements = layout.Where(s => s.DataType != ParameterDataType.Int64).Sum(s => (long)s.Length);
        return new SecureAggregationBenchmarkResult
        {
            Sites = sites.Count,
            Parameters = elements,
            PlainMilliseconds = plainMs,
            SecureMilliseconds = secureMs,
            SecureWithDropoutsMilliseconds = droppedMs,
            Dropped = dropped,
            PlainBytesPerSite = 4 * elements,
            SecureBytesPerSite = (double)bytes / sites.Count,
            MaxErrorVsFedAvg = MaxError(plainResult, secureResult),
            MaxErrorVsFedAvgWithDropouts = MaxError(plainDropped, secureDropped),
            SumErrorBound = secure.Settings.SumErrorBound(sites.Count),
            ChiSquare = chiSquare,
            ChiSquarePValue = p,
            CorrelationWithUpdate = correlation,
        };
    }

    private static double Median(int count, Action action)
    {
        var times = new double[count];
        for (int i = 0; i < count; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            action();
            times[i] = stopwatch.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        return times[count / 2];
    }

    private static double MaxError(ParameterSet a, ParameterSet b)
    {
        double worst = 0;
        for (int k = 0; k < a.Count; k++)
        {
            for (int i = 0; i < a[k].Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(a[k].GetDouble(i) - b[k].GetDouble(i)));
            }
        }

        return worst;
    }

    // The first site's update as the server receives it (three sites take part), binned by its top byte.
    private static (double ChiSquare, double P, double Correlation) MaskedUniformity(ParameterSet update, ParameterSet global, int seed)
    {
        double[] delta = [.. ParameterMath.Subtract(update, global).Where(a => a.DataType != ParameterDataType.Int64).SelectMany(a => a.ToDoubleArray())];
        SiteId[] ids = [new("site-1"), new("site-2"), new("site-3")];
        var settings = new SecureAggregationSettings();
        var server = new SecureAggregationServer(ids, settings, 1, new Random(seed));
        var sites = ids.Select(id => new SecureAggregationSite(id, settings, 1)).ToList();
        try
        {
            sites.ForEach(s => server.CollectKeys(s.Setup()));
            sites.ForEach(s => server.CollectShares(s.Id, s.ShareKeys(server.KeysFor(s.Id))));
            sites.ForEach(s => s.ReceiveShares(server.SharesFor(s.Id)));
            uint[] masked = sites[0].MaskInput(delta).Values;
            var bins = new long[256];
            foreach (uint v in masked)
            {
                bins[v >> 24]++;
            }

            double expected = masked.Length / 256.0;
            double chiSquare = bins.Sum(b => (b - expected) * (b - expected) / expected);
            const int k = 255; // Wilson–Hilferty
            double z = (Math.Cbrt(chiSquare / k) - (1 - (2.0 / (9 * k)))) / Math.Sqrt(2.0 / (9 * k));
            double p = 0.5 * SpecialFunctions.Erfc(z / Math.Sqrt(2));
            double ma = delta.Average(), mb = masked.Average(v => (double)v), cov = 0, va = 0, vb = 0;
            for (int i = 0; i < delta.Length; i++)
            {
                cov += (delta[i] - ma) * (masked[i] - mb);
                va += (delta[i] - ma) * (delta[i] - ma);
                vb += (masked[i] - mb) * (masked[i] - mb);
            }

            return (chiSquare, p, cov / Math.Sqrt(va * vb));
        }
        finally
        {
            sites.ForEach(s => s.Dispose());
        }
    }
}
