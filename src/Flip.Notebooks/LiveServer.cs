using System.Net;
using Flip.Experiments;
using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Flower.Fleet;
using Flip.Learning.Models;
using Microsoft.AspNetCore.Builder;
using TorchSharp;

namespace Flip.Notebooks;

/// <summary>A Flower-compatible server started from a notebook: Flower's Fleet API on a free loopback port, running one
/// federated study over the hospital nodes that join (what <c>flip-research serve</c> does).</summary>
public sealed class LiveServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LiveServer(WebApplication app, Uri address, Task<RunResult> completion)
    {
        _app = app;
        Address = address;
        Completion = completion;
    }

    /// <summary>The address nodes connect to, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    /// <summary>The study: completes with its result when the last round is done.</summary>
    public Task<RunResult> Completion { get; }

    /// <summary>Starts the server and the study; the first round starts when <paramref name="minNodes"/> nodes have joined.</summary>
    /// <param name="strategy">A name from <see cref="StrategyCatalog.Names"/>.</param>
    /// <param name="rounds">Rounds.</param>
    /// <param name="minNodes">Nodes that must join before round 1.</param>
    /// <param name="baseChannels">U-Net channels at the first level (nodes must use the same).</param>
    /// <param name="seed">Seed of the initial model and the sampling.</param>
    /// <returns>The running server.</returns>
    public static async Task<LiveServer> StartAsync(string strategy, int rounds, int minNodes = 2, int baseChannels = 8, int seed = 7)
    {
        var options = new ExperimentOptions { Seed = seed, Rounds = rounds, BaseChannels = baseChannels };
        torch.manual_seed(seed);
        ParameterSet initial;
        using (var model = new ModelRecipe { BaseChannels = baseChannels }.Build())
        {
            initial = model.ToParameterSet();
        }

        var fleet = new FleetService();
        const ulong runId = 1;
        fleet.StartRun(runId);
        var (app, address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, fleet, null, CancellationToken.None).ConfigureAwait(false);
        var federation = new FleetFederation(fleet, runId, StrategyCatalog.Create(strategy, options), new FleetFederationOptions
        {
            Rounds = rounds,
            MinNodes = minNodes,
            NodeWait = TimeSpan.FromMinutes(5),
            Seed = seed,
        });
        var progress = new SynchronousProgress<RoundReport>(r => Console.WriteLine($"server: round {r.Round}/{r.TotalRounds}, {r.SitesAggregated} node(s) aggregated, {r.Failures.Count} failed"));
        return new LiveServer(app, address, Task.Run(() => federation.RunAsync(initial, progress)));
    }

    /// <summary>Stops the server.</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
