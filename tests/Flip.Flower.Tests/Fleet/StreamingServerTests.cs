using System.Net;
using Flip.Federated;
using Flip.Federated.Strategies;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;

namespace Flip.Flower.Tests.Fleet;

/// <summary>
/// Eight nodes over loopback gRPC send 1M-parameter updates at once: the server admits a bounded number
/// of replies, folds each into a running sum (never holding more than one update in the aggregation),
/// and refuses and records malformed ones (wrong shape, wrong dtype, NaN/∞, oversize).
/// </summary>
public sealed class StreamingServerTests
{
    [Fact]
    public async Task Eight_nodes_stream_into_a_bounded_aggregation_and_malformed_updates_are_refused_and_recorded()
    {
        // Given: a server admitting 2 replies at once and at most 12 MB per reply (a float32 update is 4 MB, a float64 one 8 MB, an oversize one 20 MB); 4 good nodes and 4 that spoil their update
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var fleet = new FleetService(new FleetServiceOptions { MaxConcurrentReplies = 2, MaxReplyBytes = 12_000_000 });
        fleet.StartRun(1);
        var (app, address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, fleet, null, timeout.Token);
        await using var _ = app;
        using var channel = FlowerChannel.Create(address);
        UpdateDefect[] defects = [UpdateDefect.None, UpdateDefect.WrongShape, UpdateDefect.None, UpdateDefect.WrongDtype, UpdateDefect.None, UpdateDefect.NonFinite, UpdateDefect.None, UpdateDefect.Oversize];
        var identities = defects.Select(_ => NodeIdentity.Create()).ToList();
        using var stopNodes = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var nodes = new List<FlowerNode>();
        var running = new List<Task>();
        for (int i = 0; i < defects.Length; i++)
        {
            var node = new FlowerNode(channel.CreateCallInvoker(), identities[i], new SyntheticUpdateApp(i + 1, 10 * (i + 1), defects[i]), address.ToString(),
                new FlowerNodeOptions { PollInterval = TimeSpan.FromMilliseconds(50) });
            nodes.Add(node);
            running.Add(node.RunAsync(stopNodes.Token));
        }

        // When: one FedAvg round
        var federation = new FleetFederation(fleet, 1, new FedAvg { MinTrainSites = 2 }, new FleetFederationOptions { Rounds = 1, MinNodes = 8, RoundDeadline = TimeSpan.FromMinutes(3) });
        ParameterSet initial = SyntheticUpdateApp.Model(4, 250_000);
        var result = await federation.RunAsync(initial, ct: timeout.Token);
        ulong[] ids = [.. nodes.Select(n => n.NodeId ?? 0)];
        await stopNodes.CancelAsync();
        await Task.WhenAll(running);
        identities.ForEach(i => i.Dispose());

        // Then: bounded memory by count — one update in the aggregation, at most two replies admitted at once
        Assert.Equal(1, federation.PeakHeldUpdates);
        Assert.InRange(fleet.PeakRepliesInFlight, 1, 2);
        Assert.Equal(0, fleet.RepliesInFlight);
        Assert.Equal(0, fleet.StoredObjectCount);

        // ... each malformed update refused, recorded against its node with the reason, not aggregated
        string Reason(int i) => Assert.Single(result.Failures, f => f.Site == FleetFederation.SiteOf(ids[i]) && f.Step == "train").Reason;
        Assert.All(result.Failures, f => Assert.Equal(FailureCategory.InvalidReply, f.Category));
        Assert.Equal(4, result.Failures.Count);
        Assert.StartsWith("wrong shape: array 'layer0.weight' is [1000, 250], the model's is [250,1000]", Reason(1));
        Assert.StartsWith("wrong dtype: array 'layer0.weight' is float64, the model's is float32", Reason(3));
        Assert.StartsWith("non-finite values: array 'layer0.weight' holds NaN or infinity", Reason(5));
        // (the model's own budget, 4 arrays × 250,000 elements × 8 bytes + headers + 1 MiB for records, is below the 12 MB limit)
        Assert.StartsWith("oversize: the reply exceeds the server's limit of 9064960 bytes", Reason(7));
        Assert.Contains(result.Metrics, m => m.Metric == "sites-aggregated" && m.Value == 4);

        // ... and the model is exactly the example-weighted mean of the four good updates
        int[] good = [0, 2, 4, 6];
        double expected = good.Sum(i => 10.0 * (i + 1) * (i + 1)) / good.Sum(i => 10.0 * (i + 1));
        for (int a = 0; a < initial.Count; a++)
        {
            // every good node added its offset to the global model it received
            ParameterArray array = result.FinalParameters[a];
            Assert.Equal(initial[a].GetDouble(0) + expected, array.GetDouble(0), 4);
            Assert.Equal(initial[a].GetDouble(array.Length - 1) + expected, array.GetDouble(array.Length - 1), 4);
        }
    }
}
