using System.Collections.Concurrent;
using System.Net;
using Flip.Federated;
using Flip.Federated.Runs;
using Flip.Federated.SecureAggregation;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Flip.Flower.Npy;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using W = Flip.Flower.Wire;
using ConfigRecord = Flip.Flower.Records.ConfigRecord;
using MetricRecord = Flip.Federated.Simulations.MetricRecord;

namespace Flip.Flower.Tests.Fleet;

/// <summary>
/// Secure aggregation (SecAgg+) between a <see cref="FleetFederation"/> server and <see cref="SiteFlowerApp"/> nodes over real
/// loopback gRPC: the model it gives, what the server receives, and what happens when nodes drop out.
/// </summary>
public sealed class SecureFleetTests
{
    private const ulong RunId = 1;

    // Δ of node i at value j, the same every round (the trainer adds it to whatever global model it gets).
    private static float Sine(int node, int j) => (float)(0.4 * Math.Sin((7 * node) + (0.37 * j)));

    /// <summary>Four nodes with 30, 50, 20 and 40 examples; a two-array model plus a BatchNorm step counter.</summary>
    private static readonly long[] Examples = [30, 50, 20, 40];

    private static ParameterSet Model() => ParameterSet.Create(
        ParameterArray.Float32("conv.weight", [4, 50], [.. Enumerable.Range(0, 200).Select(j => (float)(0.1 * Math.Cos(j)))]),
        ParameterArray.Float32("conv.bias", [50], [.. Enumerable.Range(0, 50).Select(j => 0.01f * j)]),
        ParameterArray.Int64("bn.num_batches_tracked", [], [100]));

    [Fact]
    public async Task Two_secure_rounds_give_plain_FedAvgs_model_within_the_quantisation_bound_and_resume_from_the_run_store()
    {
        // Given: four nodes, each adding its own fixed pattern to the model it receives and 10·(i+1) to the step counter
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var trainers = Examples.Select((n, i) => new PatternTrainer(n, j => Sine(i, j), 10 * (i + 1))).ToList();
        ParameterSet initial = Model();
        await using var harness = await Harness.StartAsync([.. trainers.Select(t => App(t, initial))], capture: null, timeout.Token);
        string folder = Directory.CreateTempSubdirectory("flip-secagg-fleet").FullName;
        try
        {
            // When: two rounds of plain FedAvg, then two of secure FedAvg with the server restarted after round 1 (resumed from its run store)
            RunResult plain = await new FleetFederation(harness.Fleet, RunId, new FedAvg(), Options(2)).RunAsync(initial, ct: timeout.Token);
            var secure = new SecureFedAvg();
            var store = RunStore.Create(folder, new RunInfo { Strategy = secure.Name, Rounds = 2, Seed = 0, Sites = [] });
            await new FleetFederation(harness.Fleet, RunId, secure, Options(1)).RunAsync(initial, store, ct: timeout.Token);
            var resumed = new SecureFedAvg();
            RunResult masked = await new FleetFederation(harness.Fleet, RunId, resumed, Options(2)).ResumeAsync(RunStore.Open(folder), ct: timeout.Token);

            // Then: the same model to within the quantisation bound per round, n·c/q on each sum, relative to Σ rᵢ = Σ nᵢ / max nᵢ
            var settings = secure.Settings;
            double totalWeight = Examples.Sum() / (double)Examples.Max();
            double bound = 2 * (settings.SumErrorBound(4) * (1 + 0.4) / totalWeight) + 1e-6;
            AssertClose(plain.FinalParameters, masked.FinalParameters, bound);
            Assert.True(MaxDifference(initial, masked.FinalParameters) > 0.05, "the secure rounds did not move the model");

            // ... the step counters are FedAvg's rounded weighted mean, as in plain FedAvg: 100 + 2·(Σ nᵢ·10(i+1) / Σ nᵢ)
            Assert.Equal(plain.FinalParameters["bn.num_batches_tracked"].AsInt64().ToArray(), masked.FinalParameters["bn.num_batches_tracked"].AsInt64().ToArray());

            // ... every node aggregated in both rounds, nothing failed, and metrics, failures and rounds came back from the store
            Assert.Empty(masked.Failures);
            Assert.Equal([4.0, 4.0], masked.Metrics.Where(m => m.Metric == MetricNames.SitesAggregated).Select(m => m.Value));
            Assert.Equal([0.0, 0.0], masked.Metrics.Where(m => m.Metric == MetricNames.SitesFailed).Select(m => m.Value));
            foreach (ulong node in harness.NodeIds)
            {
                string site = FleetFederation.SiteOf(node).Value;
                Assert.Equal(2, masked.Metrics.Count(m => m.Site == site && m.Split == MetricRecord.TrainSplit && m.Metric == "loss"));
                Assert.Equal(2, masked.Metrics.Count(m => m.Site == site && m.Split == MetricRecord.TestSplit && m.Metric == "first-value"));
            }

            Assert.Equal(2, RunStore.Open(folder).LastFinishedRound);
            Assert.Equal([.. harness.NodeIds.Select(FleetFederation.SiteOf).Order()], resumed.LastSum!.Survivors.Order());
            Assert.Empty(resumed.LastSum.Dropped);
            Assert.Equal(0, harness.Fleet.StoredObjectCount);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_server_receives_only_masked_vectors_that_look_uniform_and_never_a_nodes_update()
    {
        // Given: three nodes; node 0's update is a ramp (strongly structured) and it holds the most examples, so it masks the ramp itself
        const int length = 1 << 16;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        long[] examples = [60, 40, 20];
        Func<int, float>[] deltas = [j => (float)(-1.5 + (3.0 * j / length)), j => Sine(1, j), j => Sine(2, j)];
        var trainers = examples.Select((n, i) => new PatternTrainer(n, deltas[i], 0)).ToList();
        ParameterSet initial = ParameterSet.Create(ParameterArray.Float32("w", [length], [.. Enumerable.Range(0, length).Select(j => 0.25f)]));
        var capture = new PushObjectCapture();
        await using var harness = await Harness.StartAsync([.. trainers.Select(t => App(t, initial))], capture, timeout.Token);

        // When: one secure round
        RunResult run = await new FleetFederation(harness.Fleet, RunId, new SecureFedAvg(), Options(1) with { MinNodes = 3 }).RunAsync(initial, ct: timeout.Token);

        // Then: the model is the example-weighted mean of the three updates
        Assert.Empty(run.Failures);
        double[] expected = [.. Enumerable.Range(0, length).Select(j => 0.25 + (deltas.Select((d, i) => examples[i] * (double)d(j)).Sum() / examples.Sum()))];
        AssertClose(ParameterSet.Create(ParameterArray.Float32("w", [length], [.. expected.Select(v => (float)v)])), run.FinalParameters, (new SecureAggregationSettings().SumErrorBound(3) * 2.5 / 2) + 1e-6);

        // ... every array any node pushed is one uint32 masked vector per node (the model's values and the weight); no float array at all
        var pushed = capture.Pushed.ToList();
        var arrays = pushed.Select(p => (p.Node, Object: FlowerObject.Parse(p.Content, p.Id)))
            .Where(p => p.Object.TypeName == "ArrayChunk" && p.Object.Body.Span.StartsWith(NpyCodec.Magic))
            .Select(p => (p.Node, Array: NpyCodec.Decode(p.Object.Body.Span))).ToList();
        Assert.Equal(harness.NodeIds.Order(), arrays.Select(a => a.Node).Order());
        Assert.All(arrays, a => Assert.Equal("uint32[65537]", a.Array.ToString()));

        // ... no pushed object holds any stretch of a node's trained parameters or of its update, byte for byte
        for (int i = 0; i < trainers.Count; i++)
        {
            float[] trained = trainers[i].Trained[1]["w"].AsFloat32().ToArray();
            float[] update = [.. Enumerable.Range(0, length).Select(deltas[i])];
            foreach (float[] plainValues in new[] { trained, update })
            {
                byte[] window = System.Runtime.InteropServices.MemoryMarshal.AsBytes(plainValues.AsSpan(length / 2, 16)).ToArray();
                Assert.DoesNotContain(pushed, p => p.Content.AsSpan().IndexOf(window) >= 0);
            }
        }

        // ... each masked vector is uncorrelated with every node's update, and node 0's looks uniform (chi-square of its top byte)
        var updates = deltas.Select(d => Enumerable.Range(0, length).Select(j => (double)d(j)).ToArray()).ToList();
        foreach (var (_, array) in arrays)
        {
            double[] values = [.. array.ToArray<uint>().Take(length).Select(v => (double)v)];
            Assert.All(updates, u => Assert.InRange(Correlation(u, values), -0.02, 0.02));
        }

        uint[] ramp = arrays.Single(a => a.Node == harness.NodeIds[0]).Array.ToArray<uint>();
        Assert.True(ChiSquareOfTopByte(ramp) < ChiSquareCritical, $"chi-square {ChiSquareOfTopByte(ramp):F1} on 255 degrees of freedom: node 0's masked vector is not uniform");

        // ... while the same update quantised but unmasked would give itself away (the check has teeth)
        uint[] unmasked = Quantizer.Quantize(SecureFedAvg.SiteInput(initial, new SiteId("site-0"), trainers[0].Updates[1], examples.Max()), 8, 1 << 22);
        Assert.True(Correlation(updates[0], [.. unmasked.Take(length).Select(v => (double)v)]) > 0.999);
        Assert.True(ChiSquareOfTopByte(unmasked) > 100 * ChiSquareCritical);
    }

    [Fact]
    public async Task A_node_that_stops_after_share_keys_is_unmasked_around_and_the_round_aggregates_the_survivors_exactly()
    {
        // Given: four nodes; node 2's process stops when it is asked for its masked update in round 1 (it has shared its keys)
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        ParameterSet initial = Model();
        await using Harness harness = await StartWithNodeTwoStoppingAtCollectAsync(initial, timeout.Token);
        var strategy = new SecureFedAvg();
        var sums = new Dictionary<int, SecureSum>();

        // When: two rounds (the survivors answer at once; node 2 is recorded once the round deadline passes)
        RunResult run = await new FleetFederation(harness.Fleet, RunId, strategy, Options(2) with { RoundDeadline = TimeSpan.FromSeconds(20) })
            .RunAsync(initial, new DirectProgress(r => sums[r.Round] = strategy.LastSum!), timeout.Token);

        // Then: round 1 unmasked node 2's pairwise masks with the survivors' shares of its key, and both rounds summed nodes 0, 1 and 3
        SiteId dead = FleetFederation.SiteOf(harness.NodeIds[2]);
        Assert.Equal([dead], sums[1].Dropped);
        Assert.Equal(3, sums[1].Survivors.Count);
        Assert.Equal(3, sums[2].Survivors.Count);
        SiteFailure failure = Assert.Single(run.Failures, f => f.Step == "train");
        Assert.Equal((dead, 1, FailureCategory.Timeout), (failure.Site, failure.Round, failure.Category));
        Assert.Equal("collect_masked_vectors: no reply before the round deadline", failure.Reason);
        Assert.Equal((dead, 1, FailureCategory.Dropout), Assert.Single(run.Failures, f => f.Step == "evaluate") is var e ? (e.Site, e.Round, e.Category) : default);
        Assert.Equal([3.0, 3.0], run.Metrics.Where(m => m.Metric == MetricNames.SitesAggregated).Select(m => m.Value));

        // ... exactly: x + 2 · Σ nᵢΔᵢ / Σ nᵢ over the survivors, worked out here in the clear
        int[] survivors = [0, 1, 3];
        double survivorExamples = survivors.Sum(i => Examples[i]);
        ParameterSet expected = Shifted(initial, j => 2 * survivors.Sum(i => Examples[i] * (double)Sine(i, j)) / survivorExamples);
        double bound = 2 * (strategy.Settings.SumErrorBound(3) * 1.4 / (survivorExamples / Examples.Max())) + 1e-6;
        AssertClose(expected, run.FinalParameters, bound);
    }

    [Theory]
    [InlineData(SecAggPlusKeys.StageCollectMaskedVectors)] // two of four send no masked update: 2 survivors, each secret needs 3 holders
    [InlineData(SecAggPlusKeys.StageUnmask)]               // all four send it, but two refuse to unmask: 2 replies for a threshold of 3
    public async Task With_too_few_survivors_to_unmask_the_round_is_skipped_and_recorded_and_the_next_round_runs(string failingStage)
    {
        // Given: four nodes, threshold ⌈0.75 · 4⌉ = 3 holders per secret; nodes 1 and 2 fail at one stage of round 1
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var trainers = Examples.Select((n, i) => new PatternTrainer(n, j => Sine(i, j), 0)).ToList();
        ParameterSet initial = Model();
        var apps = trainers.Select((t, i) => new StageFault(App(t, initial), i is 1 or 2 ? failingStage : null, 1, stop: null)).ToList();
        await using var harness = await Harness.StartAsync([.. apps], capture: null, timeout.Token);
        var strategy = new SecureFedAvg { Settings = new SecureAggregationSettings { ThresholdFraction = 0.75 } };

        // When
        RunResult run = await new FleetFederation(harness.Fleet, RunId, strategy, Options(2)).RunAsync(initial, ct: timeout.Token);

        // Then: round 1 aggregated nothing and recorded the two nodes' failures at that stage; round 2 aggregated all four
        Assert.Equal([0.0, 4.0], run.Metrics.Where(m => m.Metric == MetricNames.SitesAggregated).Select(m => m.Value));
        Assert.Equal([2.0, 0.0], run.Metrics.Where(m => m.Metric == MetricNames.SitesFailed).Select(m => m.Value));
        Assert.Equal(new[] { 1, 2 }.Select(i => FleetFederation.SiteOf(harness.NodeIds[i])).Order(), run.Failures.Select(f => f.Site).Order());
        Assert.All(run.Failures, f => Assert.Equal((1, "train", FailureCategory.Trainer, failingStage + ": the node's app failed (error code 2)"), (f.Round, f.Step, f.Category, f.Reason)));
        if (failingStage == SecAggPlusKeys.StageCollectMaskedVectors)
        {
            // the server checked the thresholds first and never asked the two survivors for shares
            Assert.All(new[] { 0, 3 }, i => Assert.DoesNotContain((1L, SecAggPlusKeys.StageUnmask), apps[i].Seen));
        }

        // ... and the model is round 2's step alone: x + Σ nᵢΔᵢ / Σ nᵢ over all four
        ParameterSet expected = Shifted(initial, j => Examples.Select((n, i) => n * (double)Sine(i, j)).Sum() / Examples.Sum());
        AssertClose(expected, run.FinalParameters, (strategy.Settings.SumErrorBound(4) * 1.4 / (Examples.Sum() / (double)Examples.Max())) + 1e-6);
    }

    [Fact]
    public async Task A_node_answers_a_stage_out_of_order_with_an_error_and_keeps_no_secrets_of_the_round()
    {
        // Given: a node that has not been through setup
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var fleet = new FleetService();
        fleet.StartRun(RunId);
        var (app, address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, fleet, null, timeout.Token);
        await using var __ = app;
        using var channel = FlowerChannel.Create(address);
        using NodeIdentity identity = NodeIdentity.Create();
        var node = new FlowerNode(channel.CreateCallInvoker(), identity, App(new PatternTrainer(10, j => 0, 0), Model()), address.ToString());
        ulong id = await node.RegisterAsync(timeout.Token);

        // When: the server skips to share_keys
        string sent = fleet.SendInstruction(id, RunId, "train", new RecordDict
        {
            { RecordKeys.Config, new ConfigRecord { { RecordKeys.ServerRound, RecordValue.Of(1L) } } },
            { SecAggPlusKeys.ConfigRecord, new ConfigRecord { { SecAggPlusKeys.Stage, RecordValue.Of(SecAggPlusKeys.StageShareKeys) } } },
        });
        Assert.Equal(PollResult.Replied, await node.PollOnceAsync(timeout.Token));
        FlowerMessage reply = await fleet.WaitForReplyAsync(sent, timeout.Token);

        // Then: an error reply naming only the exception type
        Assert.Null(reply.Content);
        Assert.Equal(2, reply.Error!.Code);
        Assert.StartsWith("<class 'FlowerProtocolException'>", reply.Error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_threshold_of_every_share_holder_a_dropped_node_cannot_be_unmasked_around_and_the_round_keeps_the_model()
    {
        // Given: the dropout of the test above, but unmasking needs all of a node's share holders (serve --secagg-threshold 1)
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        ParameterSet initial = Model();
        await using Harness harness = await StartWithNodeTwoStoppingAtCollectAsync(initial, timeout.Token);
        var strategy = new SecureFedAvg { Settings = new SecureAggregationSettings { ThresholdFraction = 1.0 } };

        // When: one round
        RunResult run = await new FleetFederation(harness.Fleet, RunId, strategy, Options(1) with { RoundDeadline = TimeSpan.FromSeconds(20) }).RunAsync(initial, ct: timeout.Token);

        // Then: three of node 2's four share holders survived, below the threshold of four: the round is skipped, the model kept
        Assert.Equal([0.0], run.Metrics.Where(m => m.Metric == MetricNames.SitesAggregated).Select(m => m.Value));
        Assert.Equal(0, MaxDifference(initial, run.FinalParameters));
        Assert.Contains(run.Failures, f => f.Site == FleetFederation.SiteOf(harness.NodeIds[2]) && f.Step == "train");
    }

    [Fact]
    public async Task A_node_whose_weighted_update_exceeds_the_clipping_range_says_so_in_its_own_log()
    {
        // Given: node 1 (the most examples, so weight 1) moves every value by 20, beyond the clipping range of ±8; the others by less than 0.4
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var trainers = Examples.Select((n, i) => new PatternTrainer(n, i == 1 ? _ => 20f : j => Sine(i, j), 0)).ToList();
        ParameterSet initial = Model();
        var logs = trainers.Select(_ => new LinesLogger()).ToList();
        IFlowerApp[] apps = [.. trainers.Select((t, i) => (IFlowerApp)new SiteFlowerApp(new Site(new SiteId("hospital"), t), initial.Layout, logger: logs[i]))];
        await using var harness = await Harness.StartAsync(apps, capture: null, timeout.Token);

        // When: one secure round
        RunResult run = await new FleetFederation(harness.Fleet, RunId, new SecureFedAvg(), Options(1)).RunAsync(initial, ct: timeout.Token);

        // Then: the round went through, node 1 logged how many of its 250 values were clipped, and no other node logged anything
        Assert.Empty(run.Failures);
        string warning = Assert.Single(logs[1].Lines);
        Assert.StartsWith($"Round 1: {FleetFederation.SiteOf(harness.NodeIds[1])}: 250 of 251 weighted update values lie outside the server's clipping range ±8 (largest 20) and were clipped", warning);
        Assert.All(new[] { 0, 2, 3 }, i => Assert.Empty(logs[i].Lines));
    }

    [Fact]
    public async Task A_node_that_requires_secure_aggregation_refuses_a_plain_round_and_takes_part_in_a_secure_one()
    {
        // Given: four nodes, the last of which sends its update only under secure aggregation
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var trainers = Examples.Select((n, i) => new PatternTrainer(n, j => Sine(i, j), 0)).ToList();
        ParameterSet initial = Model();
        IFlowerApp[] apps = [.. trainers.Select((t, i) => (IFlowerApp)new SiteFlowerApp(new Site(new SiteId("hospital"), t), initial.Layout, requireSecureAggregation: i == 3))];
        await using var harness = await Harness.StartAsync(apps, capture: null, timeout.Token);
        string secureOnly = FleetFederation.SiteOf(harness.NodeIds[3]).Value;

        // When: a plain FedAvg round, then a secure one
        RunResult plain = await new FleetFederation(harness.Fleet, RunId, new FedAvg(), Options(1)).RunAsync(initial, ct: timeout.Token);
        bool trainedInPlainRound = !trainers[3].Updates.IsEmpty;
        RunResult secure = await new FleetFederation(harness.Fleet, RunId, new SecureFedAvg(), Options(1)).RunAsync(initial, ct: timeout.Token);

        // Then: in the plain round the node trained nothing and sent only an error reply, recorded as its failure; the others aggregated
        SiteFailure refused = Assert.Single(plain.Failures);
        Assert.Equal((secureOnly, "train", FailureCategory.Trainer), (refused.Site.Value, refused.Step, refused.Category));
        Assert.False(trainedInPlainRound);
        Assert.Contains(plain.Metrics, m => m.Metric == MetricNames.SitesAggregated && m.Value == 3);

        // ... in the secure round it took part like any node
        Assert.Empty(secure.Failures);
        Assert.True(trainers[3].Updates.ContainsKey(1));
        Assert.Contains(secure.Metrics, m => m.Metric == MetricNames.SitesAggregated && m.Value == 4);
    }

    [Fact]
    public async Task Nodes_that_check_their_peers_take_part_when_every_neighbour_signs_with_a_listed_key()
    {
        // Given: four nodes, each signing its secure aggregation keys and holding the list of all four node keys (issue #21, finding 9)
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var identities = Examples.Select(_ => NodeIdentity.Create()).ToList();
        NodeAllowList peers = NodeAllowList.FromPem("peers.pem", identities.Select(i => System.Text.Encoding.ASCII.GetString(i.PublicKeyPem)));
        var trainers = Examples.Select((n, i) => new PatternTrainer(n, j => Sine(i, j), 0)).ToList();
        ParameterSet initial = Model();
        IFlowerApp[] apps = [.. trainers.Select((t, i) => (IFlowerApp)new SiteFlowerApp(new Site(new SiteId("hospital"), t), initial.Layout, identity: identities[i], secureAggregationPeers: peers))];
        await using var harness = await Harness.StartAsync(apps, capture: null, timeout.Token, identities);

        // When
        RunResult secure = await new FleetFederation(harness.Fleet, RunId, new SecureFedAvg(), Options(1)).RunAsync(initial, ct: timeout.Token);

        // Then: every neighbour's signature checked out, and the round aggregated all four
        Assert.Empty(secure.Failures);
        Assert.Contains(secure.Metrics, m => m.Metric == MetricNames.SitesAggregated && m.Value == 4);
        Assert.All(trainers, t => Assert.True(t.Updates.ContainsKey(1)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_node_that_checks_its_peers_shares_nothing_with_a_neighbour_the_server_added(bool sybilSigns)
    {
        // Given: three hospitals holding the list of their three node keys, and a fourth node the server's operator admitted (a sybil:
        // its key is on the server's allow-list, which the server keeps itself, but on no hospital's list), signing its keys with its own key or not at all
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var identities = Examples.Select(_ => NodeIdentity.Create()).ToList();
        NodeAllowList peers = NodeAllowList.FromPem("peers.pem", identities.Take(3).Select(i => System.Text.Encoding.ASCII.GetString(i.PublicKeyPem)));
        var trainers = Examples.Select((n, i) => new PatternTrainer(n, j => Sine(i, j), 0)).ToList();
        ParameterSet initial = Model();
        var hospitals = trainers.Take(3).Select((t, i) => new Refusals(new SiteFlowerApp(new Site(new SiteId("hospital"), t), initial.Layout, identity: identities[i], secureAggregationPeers: peers))).ToList();
        var sybil = new StageFault(new SiteFlowerApp(new Site(new SiteId("sybil"), trainers[3]), initial.Layout, identity: sybilSigns ? identities[3] : null), null, 0, null);
        await using var harness = await Harness.StartAsync([.. hospitals, sybil], capture: null, timeout.Token, identities);
        ulong sybilNode = harness.NodeIds[3];

        // When: a secure round
        RunResult secure = await new FleetFederation(harness.Fleet, RunId, new SecureFedAvg(), Options(1)).RunAsync(initial, ct: timeout.Token);

        // Then: each hospital refused at share_keys, naming the sybil, before it made or encrypted a share; nobody trained; the round kept the model
        string reason = sybilSigns
            ? $"they are signed by node key {identities[3].Fingerprint}, which is not one of its peers"
            : "they are not signed (expected [pk1, pk2, node key, signature])";
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal($"Round 1: {FleetFederation.SiteOf(harness.NodeIds[i])} refuses the keys of neighbour node {sybilNode}: {reason}; it shares nothing in this round (its peers are the keys in peers.pem).",
                Assert.Single(hospitals[i].Errors));
        }

        Assert.Equal([.. harness.NodeIds.Take(3).Select(n => FleetFederation.SiteOf(n).Value).Order()], secure.Failures.Select(f => f.Site.Value).Order());
        Assert.All(secure.Failures, f => Assert.StartsWith("share_keys: ", f.Reason, StringComparison.Ordinal));
        Assert.Equal([(1L, SecAggPlusKeys.StageSetup), (1L, SecAggPlusKeys.StageShareKeys)], sybil.Seen);
        Assert.All(trainers, t => Assert.Empty(t.Updates));
        AssertClose(initial, secure.FinalParameters, 0);
    }

    /// <summary>Four nodes adding their own pattern; node 2's process stops when it is asked for its masked update in round 1 (after sharing its keys).</summary>
    private static async Task<Harness> StartWithNodeTwoStoppingAtCollectAsync(ParameterSet initial, CancellationToken ct)
    {
        Harness? harness = null;
        var apps = Examples.Select((n, i) => (IFlowerApp)new StageFault(App(new PatternTrainer(n, j => Sine(i, j), 0), initial),
            i == 2 ? SecAggPlusKeys.StageCollectMaskedVectors : null, 1, () => harness!.StopNode(2))).ToList();
        harness = await Harness.StartAsync(apps, capture: null, ct);
        return harness;
    }

    private static FleetFederationOptions Options(int rounds) => new() { Rounds = rounds, MinNodes = 4, RoundDeadline = TimeSpan.FromMinutes(3) };

    private static SiteFlowerApp App(PatternTrainer trainer, ParameterSet model) => new(new Site(new SiteId("hospital"), trainer), model.Layout);

    private static ParameterSet Shifted(ParameterSet model, Func<int, double> shift)
    {
        var arrays = new List<ParameterArray>();
        int offset = 0;
        foreach (ParameterArray array in model)
        {
            if (array.DataType == ParameterDataType.Int64)
            {
                arrays.Add(array);
                continue;
            }

            int at = offset;
            arrays.Add(WithValues(array, j => array.GetDouble(j) + shift(at + j)));
            offset += array.Length;
        }

        return ParameterSet.Create(arrays);
    }

    private static ParameterArray WithValues(ParameterArray array, Func<int, double> value) => array.DataType == ParameterDataType.Int64
        ? ParameterArray.Int64(array.Name, array.Shape.AsSpan(), [.. Enumerable.Range(0, array.Length).Select(j => (long)Math.Round(value(j)))])
        : ParameterArray.Float32(array.Name, array.Shape.AsSpan(), [.. Enumerable.Range(0, array.Length).Select(j => (float)value(j))]);

    private static double MaxDifference(ParameterSet a, ParameterSet b) =>
        a.Where(x => x.DataType != ParameterDataType.Int64).Max(x => Enumerable.Range(0, x.Length).Max(j => Math.Abs(x.GetDouble(j) - b[x.Name].GetDouble(j))));

    private static void AssertClose(ParameterSet expected, ParameterSet actual, double bound)
    {
        Assert.Equal(expected.Layout, actual.Layout);
        double worst = MaxDifference(expected, actual);
        Assert.True(worst <= bound, $"largest difference {worst:E2} exceeds the bound {bound:E2}");
    }

    private const double ChiSquareCritical = 330.6; // 255 degrees of freedom, p = 0.001 (Wilson–Hilferty)

    private static double ChiSquareOfTopByte(uint[] values)
    {
        var bins = new int[256];
        foreach (uint v in values)
        {
            bins[v >> 24]++;
        }

        double expected = values.Length / 256.0;
        return bins.Sum(b => (b - expected) * (b - expected) / expected);
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

    /// <summary>A site whose training adds a fixed pattern to each floating-point value of the model it gets and a step count to its counters.</summary>
    private sealed class PatternTrainer(long examples, Func<int, float> delta, long steps) : ISiteTrainer
    {
        public ConcurrentDictionary<int, ParameterSet> Trained { get; } = new();

        public ConcurrentDictionary<int, SiteUpdate> Updates { get; } = new();

        public Task<SiteUpdate> TrainAsync(ParameterSet global, TrainConfig config, SiteState state, CancellationToken ct)
        {
            var arrays = new List<ParameterArray>();
            int offset = 0;
            foreach (ParameterArray array in global)
            {
                if (array.DataType == ParameterDataType.Int64)
                {
                    arrays.Add(WithValues(array, j => array.GetDouble(j) + steps));
                    continue;
                }

                int at = offset;
                arrays.Add(WithValues(array, j => array.GetDouble(j) + delta(at + j)));
                offset += array.Length;
            }

            var update = new SiteUpdate(ParameterSet.Create(arrays), ParameterKind.Full, examples, MetricSet.Of(("loss", 1.0 / examples)));
            Trained[config.Round] = update.Parameters;
            Updates[config.Round] = update;
            return Task.FromResult(update);
        }

        public Task<SiteEvaluation> EvaluateAsync(ParameterSet global, EvaluateConfig config, SiteState state, CancellationToken ct) =>
            Task.FromResult(new SiteEvaluation(5, MetricSet.Of(("first-value", global[0].GetDouble(0)))));

        public SiteSummary Describe() => new(examples, 5, new Dictionary<string, long>());
    }

    /// <summary>Fails one secure aggregation stage of one round — by throwing (an error reply), or by stopping its node without replying — and records the stages it saw.</summary>
    private sealed class StageFault(IFlowerApp inner, string? stage, long round, Action? stop) : IFlowerApp
    {
        public ConcurrentQueue<(long Round, string Stage)> Seen { get; } = new();

        public async Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct)
        {
            string? now = SecAggPlusKeys.StageOf(instruction.Content);
            Seen.Enqueue((instruction.ServerRound ?? 0, now ?? "train"));
            if (stage is not null && now == stage && instruction.ServerRound == round)
            {
                if (stop is null)
                {
                    throw new InvalidOperationException("the site failed at " + stage);
                }

                stop();
                await Task.Delay(Timeout.Infinite, ct);
            }

            return await inner.TrainAsync(instruction, ct);
        }

        public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct) => inner.EvaluateAsync(instruction, ct);

        public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct) => inner.QueryAsync(instruction, ct);
    }

    /// <summary>Records the secure aggregation refusals of a node's app (what the node logs; only the exception type leaves it).</summary>
    private sealed class Refusals(IFlowerApp inner) : IFlowerApp
    {
        public ConcurrentQueue<string> Errors { get; } = new();

        public async Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct)
        {
            try
            {
                return await inner.TrainAsync(instruction, ct);
            }
            catch (SecureAggregationException e)
            {
                Errors.Enqueue(e.Message);
                throw;
            }
        }

        public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct) => inner.EvaluateAsync(instruction, ct);

        public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct) => inner.QueryAsync(instruction, ct);
    }

    /// <summary>Receives round reports on the round loop's own thread, before the next round starts.</summary>
    private sealed class DirectProgress(Action<RoundReport> report) : IProgress<RoundReport>
    {
        public void Report(RoundReport value) => report(value);
    }

    /// <summary>A server-side interceptor keeping every PushObject payload the server receives, with the pushing node.</summary>
    private sealed class PushObjectCapture : Interceptor
    {
        public ConcurrentQueue<(ulong Node, string Id, byte[] Content)> Pushed { get; } = new();

        public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            if (request is W.PushObjectRequest push)
            {
                Pushed.Enqueue((push.Node.NodeId, push.ObjectId, push.ObjectContent.ToByteArray()));
            }

            return continuation(request, context);
        }
    }

    /// <summary>A Fleet server on loopback (with the capturing interceptor when given) and one running <see cref="FlowerNode"/> per app.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly GrpcChannel _channel;
        private readonly List<NodeIdentity> _identities;
        private readonly List<CancellationTokenSource> _stops;
        private readonly List<Task> _running;

        private Harness(FleetService fleet, WebApplication app, GrpcChannel channel, List<NodeIdentity> identities, List<CancellationTokenSource> stops, List<Task> running, List<FlowerNode> nodes)
        {
            Fleet = fleet;
            _app = app;
            _channel = channel;
            _identities = identities;
            _stops = stops;
            _running = running;
            Nodes = nodes;
        }

        public FleetService Fleet { get; }

        public List<FlowerNode> Nodes { get; }

        /// <summary>The nodes' ids, in the order of the apps (kept after a node stops and unregisters).</summary>
        public IReadOnlyList<ulong> NodeIds { get; private init; } = [];

        /// <param name="identities">The nodes' keys, one per app (disposed with the harness); fresh ones when null.</param>
        public static async Task<Harness> StartAsync(IReadOnlyList<IFlowerApp> apps, PushObjectCapture? capture, CancellationToken ct, IReadOnlyList<NodeIdentity>? identities = null)
        {
            var fleet = new FleetService();
            fleet.StartRun(RunId);
            var (app, address) = capture is null
                ? await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, fleet, null, ct)
                : await HostWithInterceptorAsync(fleet, capture, ct);
            var channel = FlowerChannel.Create(address);
            var keys = identities?.ToList() ?? [.. apps.Select(_ => NodeIdentity.Create())];
            var stops = apps.Select(_ => CancellationTokenSource.CreateLinkedTokenSource(ct)).ToList();
            var nodes = apps.Select((a, i) => new FlowerNode(channel.CreateCallInvoker(), keys[i], a, address.ToString(), new FlowerNodeOptions { PollInterval = TimeSpan.FromMilliseconds(20) })).ToList();
            var running = nodes.Select((n, i) => n.RunAsync(stops[i].Token)).ToList();
            while (nodes.Any(n => n.NodeId is null) || fleet.OnlineNodes().Count < nodes.Count)
            {
                await Task.Delay(20, ct);
            }

            return new Harness(fleet, app, channel, keys, stops, running, nodes) { NodeIds = [.. nodes.Select(n => n.NodeId!.Value)] };
        }

        public void StopNode(int index) => _stops[index].Cancel();

        public async ValueTask DisposeAsync()
        {
            _stops.ForEach(s => s.Cancel());
            await Task.WhenAll(_running);
            _stops.ForEach(s => s.Dispose());
            _identities.ForEach(i => i.Dispose());
            _channel.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private static async Task<(WebApplication App, Uri Address)> HostWithInterceptorAsync(FleetService fleet, PushObjectCapture capture, CancellationToken ct)
        {
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
            builder.Services.AddGrpc(o =>
            {
                o.Interceptors.Add<PushObjectCapture>();
                o.MaxReceiveMessageSize = FlowerChannel.MaxMessageSize;
                o.MaxSendMessageSize = FlowerChannel.MaxMessageSize;
            });
            builder.Services.AddSingleton(capture);
            builder.Services.AddSingleton(fleet);
            WebApplication app = builder.Build();
            app.MapGrpcService<FleetService>();
            await app.StartAsync(ct);
            string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return (app, new Uri(bound));
        }
    }
}
