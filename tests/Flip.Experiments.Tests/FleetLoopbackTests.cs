using System.Net;
using Flip.Datasets.Synthetic;
using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Flip.Learning.Models;
using Flip.Learning.Training;
using TorchSharp;

namespace Flip.Experiments.Tests;

/// <summary>Hospital nodes with real TorchSharp trainers join our Fleet server over loopback gRPC.</summary>
[Collection("Torch")]
public sealed class FleetLoopbackTests
{
    [Fact]
    public async Task Three_hospital_nodes_train_FedAvg_for_two_rounds_over_the_Fleet_API()
    {
        // Given: three FLIP-6 hospitals, each behind its own Flower node
        PreparedCohort cohort = PreparedCohort.Prepare(SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.02, Seed = 3 }), seed: 3);
        torch.manual_seed(2);
        using var workspace = new ModelWorkspace(() => new UNet2D(3, 2, 4, levels: 3), torch.CPU);
        ParameterSet initial = workspace.Model.ToParameterSet();
        var fleet = new FleetService();
        const ulong runId = 42;
        fleet.StartRun(runId);
        var (app, address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, fleet, null, CancellationToken.None);
        await using var _ = app;
        using var channel = FlowerChannel.Create(address);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var identities = new List<NodeIdentity>();
        var nodes = new List<Task>();
        foreach (PreparedSite hospital in cohort.Sites.Take(3))
        {
            var site = new Site(new SiteId(hospital.Id), new SegmentationSiteTrainer(hospital.Train, hospital.Test, workspace));
            var identity = NodeIdentity.Create();
            identities.Add(identity);
            var node = new FlowerNode(channel.CreateCallInvoker(), identity, new SiteFlowerApp(site, initial.Layout), address.ToString(),
                new FlowerNodeOptions { PollInterval = TimeSpan.FromMilliseconds(50) });
            nodes.Add(node.RunAsync(stop.Token));
        }

        // When: the server drives FedAvg over whoever joined
        var federation = new FleetFederation(fleet, runId, new FedAvg { MinTrainSites = 3, TrainConfig = new TrainConfig { LearningRate = 0.002 } },
            new FleetFederationOptions { Rounds = 2, MinNodes = 3, NodeWait = TimeSpan.FromMinutes(1) });
        RunResult run = await federation.RunAsync(initial, ct: stop.Token);
        stop.Cancel();
        await Task.WhenAll(nodes.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        identities.ForEach(i => i.Dispose());

        // Then: every round aggregated all three, each node reported its own test metrics, the model moved
        Assert.True(run.Failures.Count == 0, string.Join("; ", run.Failures));
        Assert.Equal([3.0, 3.0], run.Metrics.Where(m => m.Metric == MetricNames.SitesAggregated).Select(m => m.Value));
        Assert.Equal(6, run.Metrics.Count(m => m.Split == MetricRecord.TestSplit && m.Metric == MetricNames.Dice && m.Site.StartsWith("node-", StringComparison.Ordinal)));
        Assert.Equal(6, run.Metrics.Count(m => m.Split == MetricRecord.TrainSplit && m.Metric == MetricNames.LocalSteps));
        Assert.False(run.FinalParameters["enc1.conv1.weight"].ContentEquals(initial["enc1.conv1.weight"]));
        Assert.Equal(initial.Layout, run.FinalParameters.Layout);
    }
}
