using System.Net;
using Flip.Experiments;
using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flip.Cli.Tests;

/// <summary>
/// Every strategy of the catalogue that <c>serve</c> offers runs over the Fleet API (real gRPC on loopback, the same
/// <see cref="FleetFederation"/> and <see cref="SiteFlowerApp"/> that <c>serve</c> and <c>client</c> run) and ends where
/// the same sites end in-process, round for round (issue #16, item 2). The train config crosses the wire through the one
/// ConfigRecord mapping, so a strategy whose defining step is lost on the wire (SCAFFOLD's control variates, FedProx's μ,
/// FedAvg+FT's fine-tuning, DP clipping) ends elsewhere and fails here. The simulation's baselines are refused by
/// <c>serve</c> with the reason.
/// </summary>
public sealed class EveryStrategyOverFleetTests
{
    private const ulong RunId = 5;
    private const int Rounds = 3;

    public static TheoryData<string> ServedStrategies()
    {
        var data = new TheoryData<string>();
        foreach (string name in StrategyCatalog.Names.Where(n => n is not "centralised" and not "local-only"))
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ServedStrategies))]
    public async Task A_strategy_served_over_the_wire_ends_where_the_same_sites_end_in_process(string name)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        ParameterSet initial = ParameterSet.Create(ParameterArray.Float32("w", 0.5f, -1f, 2f), ParameterArray.Float32("b", 0.25f));
        // Four sites: Krum and the trimmed mean need several to choose among, and with three the two mutually nearest
        // updates tie on Krum's score, so the one chosen would depend on the order the replies arrive in.
        static DriftTrainer[] Trainers() =>
            [new DriftTrainer(3, [1f, 0f, -2f, 0.5f]), new DriftTrainer(7, [-0.5f, 1f, 0f, 2f]), new DriftTrainer(5, [0.25f, -1f, 1f, 0f]), new DriftTrainer(4, [2f, 1f, 0f, -1f])];
        var options = new ExperimentOptions { Seed = 11, LearningRate = 0.1, MinTrainSites = 3 };

        // In process: the simulation's own round loop
        Strategy inProcess = StrategyCatalog.Create(name, options);
        var sites = Trainers().Select((t, i) => new Site(new SiteId($"site-{i + 1}"), t)).ToList();
        RunResult simulated = await new Simulation(sites, inProcess, new SimulationOptions { Rounds = Rounds, Seed = options.Seed }).RunAsync(initial, ct: timeout.Token);

        // Over the wire: the same trainers behind four Fleet nodes
        var fleet = new FleetService(new FleetServiceOptions());
        fleet.StartRun(RunId);
        var (app, address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, fleet, null, timeout.Token);
        await using var _ = app;
        using var channel = FlowerChannel.Create(address);
        using var stopNodes = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var identities = Trainers().Select(_ => NodeIdentity.Create()).ToArray();
        var running = Trainers().Select((t, i) => new FlowerNode(channel.CreateCallInvoker(), identities[i],
                new SiteFlowerApp(new Site(new SiteId("hospital"), t), initial.Layout), address.ToString(),
                new FlowerNodeOptions { PollInterval = TimeSpan.FromMilliseconds(50) }).RunAsync(stopNodes.Token)).ToList();
        Strategy overWire = StrategyCatalog.Create(name, options);
        RunResult served = await new FleetFederation(fleet, RunId, overWire, new FleetFederationOptions { Rounds = Rounds, MinNodes = 4, RoundDeadline = TimeSpan.FromMinutes(2), Seed = options.Seed }, NullLogger.Instance)
            .RunAsync(initial, ct: timeout.Token);
        await stopNodes.CancelAsync();
        await Task.WhenAll(running);
        Array.ForEach(identities, i => i.Dispose());

        // Every round aggregated (nothing skipped), the model moved, and it moved where the in-process run's did
        Assert.True(served.Failures.Count == 0, string.Join("\n", served.Failures));
        // One round loop, one vocabulary: the same rows (split, metric, how many per round) whichever way the messages travel
        static string[] Rows(RunResult run) => [.. run.Metrics.GroupBy(m => (m.Round, m.Split, m.Metric)).Select(g => $"{g.Key} x{g.Count()}").Order(StringComparer.Ordinal)];
        Assert.Equal(Rows(simulated), Rows(served));
        Assert.Equal(Enumerable.Repeat(4.0, Rounds), served.Metrics.Where(m => m.Metric == MetricNames.SitesAggregated).Select(m => m.Value));
        Assert.False(served.FinalParameters.ContentEquals(initial), "the served model never changed");
        if (name == "dp-fedavg")
        {
            // Gaussian noise is drawn where it is added; only the clipped mean's scale can be compared: the noise z·C/m
            // per weight, with the clip C bounding how far a round moves the model.
            Assert.Equal(simulated.FinalParameters.Layout, served.FinalParameters.Layout);
            Assert.Equal(Rounds, served.Metrics.Count(m => m.Metric == MetricNames.Epsilon && m.Value > 0)); // the accountant ran every round
            return;
        }

        AssertClose(simulated.FinalParameters, served.FinalParameters, name);
        double[] Losses(RunResult run) => [.. run.Metrics.Where(m => m.Site == MetricRecord.FederatedSite && m.Split == MetricRecord.TestSplit && m.Metric == "loss").OrderBy(m => m.Round).Select(m => m.Value)];
        Assert.NotEmpty(Losses(served));
        Assert.Equal(Losses(simulated), Losses(served), (a, b) => Math.Abs(a - b) <= 1e-5);
        if (inProcess is Scaffold scaffold)
        {
            Assert.True(scaffold.ServerControlVariate!.Any(a => Enumerable.Range(0, a.Length).Any(j => Math.Abs(a.GetDouble(j)) > 1e-3)), "c stayed zero");
            AssertClose(scaffold.ServerControlVariate!, ((Scaffold)overWire).ServerControlVariate!, name + " c");
        }
    }

    [Theory]
    [InlineData("centralised", "pools every hospital's slices")]
    [InlineData("local-only", "no server")]
    public void Serve_refuses_a_simulation_baseline_with_the_reason(string name, string reason)
    {
        CliProcess.Result result = CliProcess.Run("serve", "--strategy", name, "--rounds", "1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(reason, result.All, StringComparison.Ordinal);
        Assert.Contains("simulate", result.All, StringComparison.Ordinal);
    }

    private static void AssertClose(ParameterSet expected, ParameterSet actual, string what)
    {
        Assert.Equal(expected.Layout, actual.Layout);
        for (int a = 0; a < expected.Count; a++)
        {
            for (int j = 0; j < expected[a].Length; j++)
            {
                Assert.True(Math.Abs(expected[a].GetDouble(j) - actual[a].GetDouble(j)) <= 1e-5,
                    $"{what}: {expected[a].Name}[{j}] in process {expected[a].GetDouble(j)}, over the wire {actual[a].GetDouble(j)}");
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
                // FedProx's proximal term pulls each step back toward the global model: μ·(y − x), here as one factor.
                double Prox(int j) => config.ProximalMu > 0 ? 1 / (1 + config.ProximalMu) : 1;
                float[] values = [.. Enumerable.Range(0, array.Length).Select(j => (float)(array.GetDouble(j) + (Prox(j) * steps * (drift[at + j] - Correction(j)))))];
                arrays.Add(ParameterArray.Float32(array.Name, array.Shape.ToArray(), values));
                offset += array.Length;
            }

            return Task.FromResult(new SiteUpdate(ParameterSet.Create(arrays), ParameterKind.Full, examples, MetricSet.Of((MetricNames.LocalSteps, steps), ("loss", 1.0))));
        }

        // Fine-tuning (FedAvg+FT) moves the evaluated model along the site's drift first: its loss shows whether the
        // fine-tuning epochs and learning rate arrived.
        public Task<SiteEvaluation> EvaluateAsync(ParameterSet global, EvaluateConfig config, SiteState state, CancellationToken ct) =>
            Task.FromResult(new SiteEvaluation(5, MetricSet.Of(("loss", global[0].GetDouble(0) + (config.FineTuneEpochs * config.FineTuneLearningRate * drift[0])))));

        public SiteSummary Describe() => new(examples, 5, new Dictionary<string, long>());
    }
}
