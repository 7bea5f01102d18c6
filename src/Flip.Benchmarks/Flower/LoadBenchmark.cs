using System.Diagnostics;
using System.Globalization;
using System.Net;
using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;

namespace Flip.Benchmarks.Flower;

/// <summary>
/// The server load test of issue #11: one Fleet server running FedAvg with streaming aggregation, and
/// N nodes sending updates of BENCHMARKS.md's 25M set (25 float32 arrays of [1000, 1000]) over loopback
/// gRPC. The server side (<see cref="ServeAsync"/>) runs in its own process so its peak RSS is its own;
/// <see cref="RunNodesAsync"/> runs the nodes in another.
/// </summary>
public static class LoadBenchmark
{
    /// <summary>Serves the rounds: starts a Fleet server on a free loopback port, waits for the nodes, runs FedAvg, and measures.</summary>
    /// <param name="options">Nodes, rounds, model size, admission limit.</param>
    /// <param name="listening">Called with the server's address once it listens.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>Round times, base and peak RSS, and the aggregation's held-update counts.</returns>
    public static async Task<LoadServerResult> ServeAsync(LoadBenchmarkOptions options, Action<Uri> listening, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(listening);
        ParameterSet initial = SyntheticUpdateApp.Model(options.Arrays, options.ValuesPerArray);
        var fleet = new FleetService(new FleetServiceOptions { MaxConcurrentReplies = options.MaxConcurrentUpdates });
        fleet.StartRun(1);
        var (app, address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, fleet, null, ct).ConfigureAwait(false);
        await using (app.ConfigureAwait(false))
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            long baseRss = Environment.WorkingSet;
            listening(address);
            var federation = new FleetFederation(fleet, 1, new FedAvg { MinTrainSites = 1 }, new FleetFederationOptions
            {
                Rounds = options.Rounds,
                MinNodes = options.Nodes,
                NodeWait = TimeSpan.FromMinutes(10),
                RoundDeadline = options.RoundDeadline,
                CollectAfterEachUpdate = options.CollectAfterEachUpdate,
            });
            var rounds = new List<double>();
            int lastAggregated = 0;
            long modelBytes = initial.ElementCount * 4;
            Task<RunResult> running = federation.RunAsync(initial, new Immediate(r =>
            {
                rounds.Add(r.Elapsed.TotalSeconds);
                lastAggregated = r.SitesAggregated;
            }), ct);
            initial = null!; // as in serve: the federation holds the model now, and the first round's model is not kept alive
            RunResult run = await running.ConfigureAwait(false);
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            return new LoadServerResult(options.Nodes, modelBytes, baseRss, self.PeakWorkingSet64, rounds, federation.PeakHeldUpdates,
                fleet.PeakRepliesInFlight, lastAggregated, run.Failures.Count);
        }
    }

    /// <summary>Runs <paramref name="nodes"/> nodes in this process against a server until <paramref name="ct"/> is cancelled.</summary>
    /// <param name="server">The server's address.</param>
    /// <param name="nodes">How many nodes.</param>
    /// <param name="ct">Stops the nodes.</param>
    /// <returns>A task that ends when every node has stopped.</returns>
    public static async Task RunNodesAsync(Uri server, int nodes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(server);
        using var channel = FlowerChannel.Create(server);
        var identities = Enumerable.Range(0, nodes).Select(_ => NodeIdentity.Create()).ToList();
        try
        {
            var options = new FlowerNodeOptions { PollInterval = TimeSpan.FromMilliseconds(100), MaxReconnectDelay = TimeSpan.FromSeconds(2) };
            await Task.WhenAll(identities.Select((identity, i) => Task.Run(async () =>
            {
                var node = new FlowerNode(channel.CreateCallInvoker(), identity, new SyntheticUpdateApp(0.001f * (i + 1), 10 + i), server.ToString(), options);
                try
                {
                    await node.RunAsync(ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                }
            }, CancellationToken.None))).ConfigureAwait(false);
        }
        finally
        {
            identities.ForEach(i => i.Dispose());
        }
    }

    private sealed class Immediate(Action<RoundReport> report) : IProgress<RoundReport>
    {
        public void Report(RoundReport value) => report(value);
    }
}
