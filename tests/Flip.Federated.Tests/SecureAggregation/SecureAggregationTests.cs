using Flip.Federated.Privacy;
using Flip.Federated.SecureAggregation;

namespace Flip.Federated.Tests.SecureAggregation;

public sealed class SecureAggregationTests
{
    private static readonly SecureAggregationSettings Settings = new();

    private static SiteId Site(int i) => new($"site-{i}");

    private static double[][] Inputs(int sites, int length, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, sites).Select(_ => Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 4) - 2).ToArray())];
    }

    private static double[] PlainSum(IEnumerable<double[]> inputs)
    {
        var list = inputs.ToList();
        return [.. Enumerable.Range(0, list[0].Length).Select(i => list.Sum(v => v[i]))];
    }

    private static void WithinBound(double[] expected, double[] actual, double bound)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= bound, $"largest error {worst:E2} exceeds the quantisation bound {bound:E2}");
    }

    [Theory]
    [InlineData(5, 0)] // SecAgg: every pair masked
    [InlineData(8, 4)] // SecAgg+: four neighbours each
    public void The_sum_is_exact_to_the_quantisation_bound(int sites, int neighbours)
    {
        var settings = Settings with { Neighbours = neighbours };
        var inputs = Inputs(sites, 2_000, seed: sites);

        var sum = SecureAggregationProtocol.Sum(1, [.. inputs.Select((v, i) => (Site(i), (double[]?)v))], settings, new Random(1));

        // Each value is rounded to half a step c/q; n of them add up to at most n·c/q.
        WithinBound(PlainSum(inputs), sum.Sum, settings.SumErrorBound(sites));
        Assert.Equal(sites, sum.Survivors.Count);
        Assert.Empty(sum.Dropped);
    }

    [Fact]
    public void A_server_that_admits_one_site_of_its_own_learns_the_other_sites_update()
    {
        // Issue #21, finding 9 (what is NOT protected, README "Threat model"): a site cannot tell a neighbour that is another
        // hospital from one the server made up, because neighbour keys arrive unsigned (as in Flower's secaggplus_mod). A server
        // that admits one site of its own with a zero input gets a "sum" that is the hospital's update.
        double[] hospital = Inputs(1, 500, seed: 21)[0];

        var sum = SecureAggregationProtocol.Sum(1, [(Site(0), hospital), (new SiteId("sybil"), new double[500])], Settings, new Random(3));

        WithinBound(hospital, sum.Sum, Settings.SumErrorBound(2));
        Assert.Equal(2, sum.Survivors.Count);
    }

    [Fact]
    public void Values_outside_the_clipping_range_are_clipped_before_summing()
    {
        double[][] inputs = [[20, -20, 1], [1, 1, 1]];

        var sum = SecureAggregationProtocol.Sum(1, [(Site(0), inputs[0]), (Site(1), inputs[1])], Settings, new Random(0));

        WithinBound([9, -7, 2], sum.Sum, Settings.SumErrorBound(2));
    }

    [Theory]
    [InlineData(0, new[] { 1, 4 })] // complete graph, t = 3 of 6 holders: 4 survivors
    [InlineData(4, new[] { 2 })]    // four neighbours, t = 3 of 5 holders
    public void Dropouts_within_the_threshold_leave_the_exact_sum_of_the_survivors(int neighbours, int[] dropped)
    {
        var settings = Settings with { Neighbours = neighbours };
        var inputs = Inputs(6, 1_000, seed: 3);

        var sum = SecureAggregationProtocol.Sum(2, [.. inputs.Select((v, i) => (Site(i), dropped.Contains(i) ? null : (double[]?)v))], settings, new Random(5));

        WithinBound(PlainSum(inputs.Where((_, i) => !dropped.Contains(i))), sum.Sum, settings.SumErrorBound(6 - dropped.Length));
        Assert.Equal(dropped.Select(Site), sum.Dropped);
    }

    [Fact]
    public void Too_many_dropouts_fail_with_a_clear_error_and_no_sum()
    {
        // Six sites, every pair joined, threshold ⌈0.5·6⌉ = 3: with two survivors no secret can be rebuilt.
        var inputs = Inputs(6, 100, seed: 4);

        var error = Assert.Throws<SecureAggregationException>(() =>
            SecureAggregationProtocol.Sum(3, [.. inputs.Select((v, i) => (Site(i), i < 2 ? (double[]?)v : null))], Settings, new Random(0)));

        Assert.Matches(@"^Round 3: secure aggregation cannot unmask the sum: 2 share\(s\) of site-\d's (self-mask seed|mask private key) came back, the threshold is 3 \(2 of 6 sites survived\); the round's sum stays hidden\.$", error.Message);
        Assert.Equal(ExitCodes.RunFailed, error.ExitCode);
        Assert.NotNull(error.Fix);
    }

    [Fact]
    public void The_servers_view_of_one_update_is_indistinguishable_from_noise()
    {
        // One site's input is a strongly structured signal (a ramp); three sites take part.
        const int length = 1 << 16;
        double[] ramp = [.. Enumerable.Range(0, length).Select(i => -1.5 + (3.0 * i / length))];
        var masked = MaskedInputs([ramp, new double[length], new double[length]])[0].Values;

        // Chi-square of the top byte against uniform over 256 bins (expected 256 per bin).
        var bins = new int[256];
        foreach (uint v in masked)
        {
            bins[v >> 24]++;
        }

        double expected = length / 256.0;
        double chiSquare = bins.Sum(b => (b - expected) * (b - expected) / expected);
        double p = ChiSquareUpperTail(chiSquare, 255);
        Assert.True(p > 0.001, $"chi-square {chiSquare:F1} on 255 degrees of freedom, p = {p:E2}: the masked values are not uniform");

        // Without masks the quantised ramp is perfectly correlated with the input; masked, it is not.
        double correlation = Correlation(ramp, [.. masked.Select(v => (double)v)]);
        Assert.True(Math.Abs(correlation) < 0.02, $"correlation of masked values with the input is {correlation:F4}");
        double plain = Correlation(ramp, [.. Quantizer.Quantize(ramp, 8, 1 << 22).Select(v => (double)v)]);
        Assert.True(plain > 0.999, $"the unmasked quantised input correlates {plain:F4} with the input");
    }

    [Fact]
    public void A_site_that_sends_its_input_and_then_goes_silent_is_still_summed()
    {
        // Five sites, every pair joined, t = 3 of 5: site-4 drops before masking, site-3 after masking
        // (it never answers the unmask request); the three answering survivors still hold enough shares.
        var inputs = Inputs(5, 500, seed: 9);
        SiteId[] ids = [.. inputs.Select((_, i) => Site(i))];
        var server = new SecureAggregationServer(ids, Settings, 4, new Random(0));
        var sites = ids.Select(id => new SecureAggregationSite(id, Settings, 4)).ToList();
        sites.ForEach(s => server.CollectKeys(s.Setup()));
        sites.ForEach(s => server.CollectShares(s.Id, s.ShareKeys(server.KeysFor(s.Id))));
        sites.ForEach(s => s.ReceiveShares(server.SharesFor(s.Id)));
        for (int i = 0; i < 4; i++)
        {
            server.CollectMasked(sites[i].MaskInput(inputs[i]));
        }

        var survivors = server.Survivors.Order().ToList();
        var replies = sites.Take(3).Select(s => s.Unmask(survivors, server.Dropped)).ToList();
        uint[] sum = server.Unmask(replies);

        WithinBound(PlainSum(inputs.Take(4)), Quantizer.DequantizeSum(sum, 4, Settings.ClippingRange, Settings.QuantizationRange), Settings.SumErrorBound(4));
        Assert.Equal([Site(4)], server.Dropped);
        sites.ForEach(s => s.Dispose());
    }

    [Fact]
    public void A_site_that_drops_out_before_sharing_its_keys_is_left_out_of_the_masks_and_the_sum_is_exact()
    {
        // Four sites, every pair joined, t = ⌈0.5·4⌉ = 2: site-3 publishes its keys but never sends its shares (it dropped during
        // share-keys, as a networked node can), so it is neither a survivor nor dropped-after-sharing; the others must not mask against it.
        var inputs = Inputs(4, 300, seed: 11);
        SiteId[] ids = [.. inputs.Select((_, i) => Site(i))];
        var server = new SecureAggregationServer(ids, Settings, 2, new Random(0));
        var sites = ids.Select(id => new SecureAggregationSite(id, Settings, 2)).ToList();
        sites.ForEach(s => server.CollectKeys(s.Setup()));
        sites.Take(3).ToList().ForEach(s => server.CollectShares(s.Id, s.ShareKeys(server.KeysFor(s.Id))));
        sites.Take(3).ToList().ForEach(s => s.ReceiveShares(server.SharesFor(s.Id)));
        for (int i = 0; i < 3; i++)
        {
            server.CollectMasked(sites[i].MaskInput(inputs[i]));
        }

        var survivors = server.Survivors.Order().ToList();
        uint[] sum = server.Unmask(sites.Take(3).Select(s => s.Unmask(survivors, server.Dropped)).ToList());

        WithinBound(PlainSum(inputs.Take(3)), Quantizer.DequantizeSum(sum, 3, Settings.ClippingRange, Settings.QuantizationRange), Settings.SumErrorBound(3));
        Assert.Empty(server.Dropped);
        sites.ForEach(s => s.Dispose());
    }

    [Fact]
    public void A_site_holding_fewer_shares_than_the_threshold_refuses_to_send_its_input()
    {
        // Three sites, t = ⌈0.5·3⌉ = 2 of 3 holders: site-0 receives no share at all (its neighbours' shares never reached it).
        SiteId[] ids = [Site(0), Site(1), Site(2)];
        var server = new SecureAggregationServer(ids, Settings, 1, new Random(0));
        var sites = ids.Select(id => new SecureAggregationSite(id, Settings, 1)).ToList();
        sites.ForEach(s => server.CollectKeys(s.Setup()));
        sites.ForEach(s => server.CollectShares(s.Id, s.ShareKeys(server.KeysFor(s.Id))));

        var error = Assert.Throws<SecureAggregationException>(() => sites[0].MaskInput([1.0]));

        Assert.Equal("Round 1: site-0 holds shares from 0 neighbour(s), fewer than the threshold 2 needs with its own; it does not send its input.", error.Message);
        sites.ForEach(s => s.Dispose());
    }

    [Fact]
    public void A_share_altered_on_the_way_is_refused()
    {
        var settings = Settings;
        SiteId[] ids = [Site(0), Site(1), Site(2)];
        var server = new SecureAggregationServer(ids, settings, 1, new Random(0));
        var sites = ids.Select(id => new SecureAggregationSite(id, settings, 1)).ToList();
        sites.ForEach(s => server.CollectKeys(s.Setup()));
        sites.ForEach(s => server.CollectShares(s.Id, s.ShareKeys(server.KeysFor(s.Id))));
        var tampered = server.SharesFor(ids[0]).Select(s => s with { Ciphertext = [.. s.Ciphertext.Select((b, i) => i == 20 ? (byte)(b ^ 1) : b)] }).ToList();

        var error = Assert.Throws<SecureAggregationException>(() => sites[0].ReceiveShares(tampered));

        Assert.Contains("fails its authentication tag", error.Message, StringComparison.Ordinal);
        sites.ForEach(s => s.Dispose());
    }

    [Fact]
    public void A_site_never_reveals_both_secrets_of_one_neighbour()
    {
        var settings = Settings;
        SiteId[] ids = [Site(0), Site(1), Site(2)];
        var inputs = MaskedInputs([[1.0], [2.0], [3.0]], keep: true);
        var site = inputs.Sites[0];

        var error = Assert.Throws<SecureAggregationException>(() => site.Unmask([ids[0], ids[1]], [ids[1], ids[2]]));

        Assert.Contains("listed both as survivor and dropped", error.Message, StringComparison.Ordinal);
        inputs.Sites.ForEach(s => s.Dispose());
    }

    // Runs setup, share-keys and collect-masked for the inputs and returns what the server received.
    private static List<MaskedInput> MaskedInputs(double[][] inputs) => MaskedInputs(inputs, keep: false).Masked;

    private static (List<MaskedInput> Masked, List<SecureAggregationSite> Sites) MaskedInputs(double[][] inputs, bool keep)
    {
        SiteId[] ids = [.. inputs.Select((_, i) => Site(i))];
        var server = new SecureAggregationServer(ids, Settings, 1, new Random(0));
        var sites = ids.Select(id => new SecureAggregationSite(id, Settings, 1)).ToList();
        sites.ForEach(s => server.CollectKeys(s.Setup()));
        sites.ForEach(s => server.CollectShares(s.Id, s.ShareKeys(server.KeysFor(s.Id))));
        sites.ForEach(s => s.ReceiveShares(server.SharesFor(s.Id)));
        var masked = sites.Select((s, i) => s.MaskInput(inputs[i])).ToList();
        if (!keep)
        {
            sites.ForEach(s => s.Dispose());
        }

        return (masked, sites);
    }

    // Wilson–Hilferty: (X/k)^(1/3) is close to normal with mean 1 − 2/(9k) and variance 2/(9k).
    private static double ChiSquareUpperTail(double x, int k)
    {
        double z = (Math.Cbrt(x / k) - (1 - (2.0 / (9 * k)))) / Math.Sqrt(2.0 / (9 * k));
        return 0.5 * SpecialFunctions.Erfc(z / Math.Sqrt(2));
    }

    private static double Correlation(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average();
        double cov = 0, va = 0, vb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            cov += (a[i] - ma) * (b[i] - mb);
            va += (a[i] - ma) * (a[i] - ma);
            vb += (b[i] - mb) * (b[i] - mb);
        }

        return cov / Math.Sqrt(va * vb);
    }
}
