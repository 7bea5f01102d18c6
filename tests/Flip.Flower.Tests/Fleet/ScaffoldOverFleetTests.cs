using System.Net;
using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;

namespace Flip.Flower.Tests.Fleet;

/// <summary>
/// SCAFFOLD over the Fleet API (real gRPC on loopback): the server's control variate c travels beside the model, each
/// node answers with its Δcᵢ beside its update, and the run ends exactly where the same sites end in-process. Before,
/// nodes sent no Δcᵢ and every <c>serve --strategy scaffold</c> round was skipped.
/// </summary>
public sealed class ScaffoldOverFleetTests
{
    private const ulong RunId = 5;

    [Fact]
    public async Task Scaffold_over_the_wire_ends_where_the_same_sites_end_in_process()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        ParameterSet initial = ParameterSet.Create(ParameterArray.Float32("w", 0.5f, -1f, 2f), ParameterArray.Float32("b", 0.25f));
        static DriftTrainer[] Trainers() => [new DriftTrainer(3, [1f, 0f, -2f, 0.5f]), new DriftTrainer(7, [-0.5f, 1f, 0f, 2f])];

        // In process: the simulation's own round loop
        var inProcess = new Scaffold { TrainConfig = new TrainConfig { LearningRate = 0.1 } };
        var sites = Trainers().Select((t, i) => new Site(new SiteId($"site-{i + 1}"), t)).ToList();
        RunResult simulated = await new Simulation(sites, inProcess, new SimulationOptions { Rounds = 3 }).RunAsync(initial, ct: timeout.Token);

        // Over the wire: the same trainers behind two Fleet nodes
        var fleet = new FleetService(new FleetServiceOptions());
        fleet.StartRun(RunId);
        var (app, address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, fleet, null, timeout.Token);
        await using var _ = app;
        using var channel = FlowerChannel.Create(address);
        using var stopNodes = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var identities = new[] { NodeIdentity.Create(), NodeIdentity.Create() };
        var running = Trainers().Select((t, i) => new FlowerNode(channel.CreateCallInvoker(), identities[i],
                new SiteFlowerApp(new Site(new SiteId("hospital"), t), initial.Layout), address.ToString(),
                new FlowerNodeOptions { PollInterval = TimeSpan.FromMilliseconds(50) }).RunAsync(stopNodes.Token)).ToList();
        var overWire = new Scaffold { TrainConfig = new TrainConfig { LearningRate = 0.1 } };
        var log = new LinesLogger();
        RunResult served = await new FleetFederation(fleet, RunId, overWire, new FleetFederationOptions { Rounds = 3, MinNodes = 2, RoundDeadline = TimeSpan.FromMinutes(2) }, log)
            .RunAsync(initial, ct: timeout.Token);
        await stopNodes.CancelAsync();
        await Task.WhenAll(running);
        Array.ForEach(identities, i => i.Dispose());

        // Every round aggregated both nodes, and the model and c are the in-process run's
        Assert.True(served.Failures.Count == 0, string.Join("\n", log.Lines));
        Assert.DoesNotContain(log.Lines, l => l.Contains("skipped", StringComparison.Ordinal));
        Assert.Equal([2.0, 2.0, 2.0], served.Metrics.Where(m => m.Metric == MetricNames.SitesAggregated).Select(m => m.Value));
        Assert.NotNull(overWire.ServerControlVariate);
        Assert.True(overWire.ServerControlVariate!.Any(a => Enumerable.Range(0, a.Length).Any(j => Math.Abs(a.GetDouble(j)) > 1e-3)), "c stayed zero");
        foreach (var (expected, actual) in new[] { (simulated.FinalParameters, served.FinalParameters), (inProcess.ServerControlVariate!, overWire.ServerControlVariate!) })
        {
            for (int a = 0; a < expected.Count; a++)
            {
                for (int j = 0; j < expected[a].Length; j++)
                {
                    Assert.Equal(expected[a].GetDouble(j), actual[a].GetDouble(j), 5);
                }
            }
        }
    }

    /// <summary>Five local SGD steps on a drift of its own, corrected by SCAFFOLD's c − cᵢ: y = x + 5·(d − η(c − cᵢ)).</summary>
    private sealed class DriftTrainer(long examples, float[] drift) : ISiteTrainer
    {
        public Task<SiteUpdate> TrainAsync(ParameterSet global, TrainConfig config, SiteState state, CancellationToken ct)
        {
            const int steps = 5;
            var arrays = new List<ParameterArray>();
            int offset = 0;
            foreach (ParameterArray array in global)
            {
                int at = offset;
                double Correction(int j) => config.UseControlVariates
                    ? config.LearningRate * (config.ServerControlVariate![array.Name].GetDouble(j) - (state.ControlVariate?[array.Name].GetDouble(j) ?? 0))
                    : 0;
                float[] values = [.. Enumerable.Range(0, array.Length).Select(j => (float)(array.GetDouble(j) + (steps * (drift[at + j] - Correction(j)))))];
                arrays.Add(ParameterArray.Float32(array.Name, array.Shape.ToArray(), values));
                offset += array.Length;
            }

            return Task.FromResult(new SiteUpdate(ParameterSet.Create(arrays), ParameterKind.Full, examples, MetricSet.Of((MetricNames.LocalSteps, steps), ("loss", 1.0))));
        }

        public Task<SiteEvaluation> EvaluateAsync(ParameterSet global, EvaluateConfig config, SiteState state, CancellationToken ct) =>
            Task.FromResult(new SiteEvaluation(5, MetricSet.Of(("loss", global[0].GetDouble(0)))));

        public SiteSummary Describe() => new(examples, 5, new Dictionary<string, long>());
    }
}
