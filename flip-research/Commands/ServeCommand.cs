using System.CommandLine;
using System.Globalization;
using System.Net;
using Flip.Experiments;
using Flip.Federated;
using Flip.Federated.Runs;
using Flip.Federated.Simulations;
using Flip.Flower.Fleet;
using Flip.Learning.Checkpoints;
using Flip.Learning.Models;
using Spectre.Console;
using TorchSharp;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research serve</c>: a Flower Fleet API server that drives a strategy over hospital nodes.</summary>
internal static class ServeCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var port = new Option<int?>("--port") { Description = "TCP port to listen on (default 9092 for the Fleet API, 8080 for the legacy transport, as Flower)." }.Port();
        var transport = LegacyTransport.TransportOption("fleet: Flower's Fleet API for 'flip-research client' nodes; legacy: Flower's FlowerService/Join stream for start_client()/--transport legacy clients.");
        var address = new Option<string>("--address") { Description = "Address to listen on (loopback by default; a hospital network needs TLS).", DefaultValueFactory = _ => "127.0.0.1" }.IpAddress();
        var strategy = new Option<string>("--strategy", "-s") { Description = "The strategy (" + string.Join(", ", StrategyCatalog.Names.Where(n => n is not "centralised" and not "local-only")) + ").", DefaultValueFactory = _ => "fedavg" };
        strategy.AcceptOnlyFromAmong([.. StrategyCatalog.Names.Where(n => n is not "centralised" and not "local-only")]);
        var rounds = new Option<int>("--rounds", "-r") { Description = "Federated rounds.", DefaultValueFactory = _ => 3 }.InRange(1, 1000);
        var minNodes = new Option<int>("--min-nodes") { Description = "Hospital nodes that must join before round 1.", DefaultValueFactory = _ => 2 }.InRange(1, 10000);
        var wait = new Option<int>("--wait-seconds") { Description = "How long to wait for them.", DefaultValueFactory = _ => 300 }.InRange(1, 86400);
        var baseChannels = new Option<int>("--base-channels") { Description = "U-Net channels at the first level (the nodes must use the same).", DefaultValueFactory = _ => 8 };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial model and the sampling.", DefaultValueFactory = _ => 7 };
        var output = new Option<string>("--out", "-o") { Description = "Where metrics.csv and final-model.safetensors go.", DefaultValueFactory = _ => "runs/serve" };
        var command = new Command("serve",
            "Serve Flower's Fleet API and run a federated study over the hospital nodes that join ('flip-research client'): " +
            "every round, each node trains on its own patients and only parameters and metrics come back.\n\n" +
            "Example:\n  flip-research serve --rounds 5 --min-nodes 3 --out runs/live")
        {
            port, address, strategy, rounds, minNodes, wait, baseChannels, seed, output, transport,
        };
        command.SetAction(async (parse, ct) =>
        {
            string folder = parse.GetValue(output)!;
            Directory.CreateDirectory(folder);
            var options = new ExperimentOptions { Seed = parse.GetValue(seed) };
            torch.manual_seed(parse.GetValue(seed));
            using var model = new UNet2D(3, 2, parse.GetValue(baseChannels));
            ParameterSet initial = model.ToParameterSet();
            bool legacy = parse.GetValue(transport) == LegacyTransport.Legacy;
            var endpoint = new IPEndPoint(IPAddress.Parse(parse.GetValue(address)!), parse.GetValue(port) ?? (legacy ? LegacyTransport.LegacyPort : LegacyTransport.FleetPort));
            if (legacy)
            {
                return await LegacyTransport.ServeAsync(console, endpoint, StrategyCatalog.Create(parse.GetValue(strategy)!, options), new FleetFederationOptions
                {
                    Rounds = parse.GetValue(rounds),
                    MinNodes = parse.GetValue(minNodes),
                    NodeWait = TimeSpan.FromSeconds(parse.GetValue(wait)),
                    Seed = parse.GetValue(seed),
                }, initial, folder, ct).ConfigureAwait(false);
            }

            var fleet = new FleetService();
            const ulong runId = 1;
            fleet.StartRun(runId);
            var (app, listening) = await FlowerServerHost.StartAsync(endpoint, null, fleet, null, ct).ConfigureAwait(false);
            await using (app.ConfigureAwait(false))
            {
                console.MarkupLineInterpolated($"Fleet API listening on [bold]{listening}[/]; waiting for {parse.GetValue(minNodes)} hospital node(s).");
                var federation = new FleetFederation(fleet, runId, StrategyCatalog.Create(parse.GetValue(strategy)!, options), new FleetFederationOptions
                {
                    Rounds = parse.GetValue(rounds),
                    MinNodes = parse.GetValue(minNodes),
                    NodeWait = TimeSpan.FromSeconds(parse.GetValue(wait)),
                    Seed = parse.GetValue(seed),
                });
                var progress = new Progress<RoundReport>(r => console.MarkupLineInterpolated(
                    $"round {r.Round}/{r.TotalRounds}: {r.SitesAggregated} node(s) aggregated, {r.Failures.Count} failed; {r.Federated}"));
                RunResult run = await federation.RunAsync(initial, progress, ct).ConfigureAwait(false);
                AtomicFile.WriteText(Path.Combine(folder, RunStore.MetricsFileName), RunStore.FormatMetrics(run.Metrics));
                SafetensorsFile.Write(Path.Combine(folder, RunFiles.FinalModelFileName), run.FinalParameters);
                console.MarkupLineInterpolated($"Done: {run.RoundsCompleted} rounds, {run.Failures.Count} failure(s). metrics.csv and final-model.safetensors in [bold]{folder}[/].");
                return run.Failures.Count == 0 ? ExitCodes.Ok : ExitCodes.RunFailed;
            }
        });
        return command;
    }
}
