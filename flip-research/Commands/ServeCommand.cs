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
        var transportKind = LegacyTransport.TransportOption("fleet: Flower's Fleet API for 'flip-research client' nodes; legacy: Flower's FlowerService/Join stream for start_client()/--transport legacy clients.");
        var address = new Option<string>("--address") { Description = "Address to listen on (loopback by default; a hospital network needs TLS).", DefaultValueFactory = _ => "127.0.0.1" }.IpAddress();
        string[] strategies = [.. StrategyCatalog.Names.Where(n => n is not "centralised" and not "local-only"), StrategyCatalog.SecureFedAvg];
        var strategy = new Option<string>("--strategy", "-s") { Description = "The strategy (" + string.Join(", ", strategies) + ").", DefaultValueFactory = _ => "fedavg" };
        // The simulation's baselines are accepted by the parser only to be refused with the reason, not as unknown names.
        strategy.AcceptOnlyFromAmong([.. strategies, "centralised", "local-only"]);
        strategy.CompletionSources.Clear(); // completions and "expected one of …" list only what serve serves
        strategy.CompletionSources.Add(_ => strategies.Select(s => new System.CommandLine.Completions.CompletionItem(s)));
        strategy.Validators.Add(r =>
        {
            string? reason = r.GetValueOrDefault<string>() switch
            {
                "centralised" => "centralised is a simulation baseline: it pools every hospital's slices in one place, which a federation never does",
                "local-only" => "local-only is a simulation baseline: each hospital trains alone, with no server to serve",
                _ => null,
            };
            if (reason is not null)
            {
                r.AddError($"--strategy: {reason}; run it with 'flip-research simulate --strategy {r.GetValueOrDefault<string>()}' beside the federated strategies, or serve one of {string.Join(", ", strategies)}.");
            }
        });
        var secure = new Option<bool>("--secure-aggregation")
        {
            Description = "Run FedAvg over SecAgg+ (as --strategy fedavg-secagg): each round is Flower's four SecAgg+ stages (setup, share_keys, " +
                "collect_masked_vectors, unmask) as train messages, and the server learns only the sum of the nodes' weighted updates, never one node's. " +
                "Nodes that drop out after sharing keys are unmasked around with their neighbours' Shamir shares; with too few left the round is skipped. " +
                "'flip-research client' nodes take part without any flag. Fleet transport only; FLIP's crypto, so Python secaggplus_mod nodes cannot join.",
        };
        var secaggNeighbours = SimulateSecurity.NeighboursOption();
        var secaggThreshold = SimulateSecurity.ThresholdOption();
        var rounds = new Option<int>("--rounds", "-r") { Description = "Federated rounds.", DefaultValueFactory = _ => 3 }.InRange(1, 1000);
        var minNodes = new Option<int>("--min-nodes") { Description = "Hospital nodes that must join before round 1.", DefaultValueFactory = _ => 2 }.InRange(1, 10000);
        var wait = new Option<int>("--wait-seconds") { Description = "How long to wait for them.", DefaultValueFactory = _ => 300 }.InRange(1, 86400);
        var baseChannels = new Option<int>("--base-channels") { Description = "U-Net channels at the first level (the nodes must use the same).", DefaultValueFactory = _ => 8 };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial model and the sampling.", DefaultValueFactory = _ => 7 };
        var output = new Option<string>("--out", "-o") { Description = "The run folder: run.json, a checkpoint per round, metrics.csv, failures.csv, final-model.safetensors.", DefaultValueFactory = _ => "runs/serve" };
        var roundTimeout = new Option<int>("--round-timeout") { Description = "Seconds a round's train (and evaluate) step waits for the nodes' replies; a node that has not answered by then is recorded as dropped.", DefaultValueFactory = _ => 1800 };
        var minSites = new Option<int>("--min-sites") { Description = "The fewest nodes whose updates a round aggregates; with fewer replies the model is kept. Default: 2, or --min-nodes when that is 1.", DefaultValueFactory = _ => 2 };
        var maxConcurrent = new Option<int>("--max-concurrent-updates") { Description = "Updates the server receives at once; further nodes wait, so memory does not grow with the number of nodes. Each one admitted costs up to one model size of memory; 1 is as fast on loopback (bench load).", DefaultValueFactory = _ => 1 };
        var maxUpdateBytes = new Option<long>("--max-update-bytes") { Description = "The largest update the server accepts, in bytes, below the bound every reply has anyway (the model it answers: its elements at up to 8 bytes each, plus 1 MiB for records); 0: that bound only.", DefaultValueFactory = _ => 0 };
        var resume = new Option<string?>("--resume") { Description = "Continue the serve run in this folder from its last committed round (settings come from its run.json)." };
        var command = new Command("serve",
            "Serve Flower's Fleet API and run a federated study over the hospital nodes that join ('flip-research client'): " +
            "every round, each node trains on its own patients and only parameters and metrics come back. With --secure-aggregation " +
            "the server sees only masked updates and learns just their sum.\n\n" +
            "Examples:\n  flip-research serve --rounds 5 --min-nodes 3 --out runs/live\n  flip-research serve --secure-aggregation --rounds 5 --min-nodes 3 --out runs/secure")
        {
            port, address, strategy, secure, secaggNeighbours, secaggThreshold, rounds, minNodes, wait, baseChannels, seed, output, roundTimeout, minSites, maxConcurrent, maxUpdateBytes, resume, transportKind,
        };
        var transport = new TransportOptions.Server();
        transport.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            bool legacy = parse.GetValue(transportKind) == LegacyTransport.Legacy;
            var endpoint = new IPEndPoint(IPAddress.Parse(parse.GetValue(address)!), parse.GetValue(port) ?? (legacy ? LegacyTransport.LegacyPort : LegacyTransport.FleetPort));
            string? resumeFolder = parse.GetValue(resume);
            string folder = resumeFolder ?? parse.GetValue(output)!;
            RunStore? resumed = resumeFolder is null ? null : RunStore.Open(resumeFolder);
            string strategyName = parse.GetValue(strategy)!;
            if (parse.GetValue(secure) && strategyName != StrategyCatalog.SecureFedAvg)
            {
                strategyName = SimulateSecurity.Strategies([strategyName], secure: true)[0];
            }

            var secureSettings = SimulateSecurity.Settings(parse, secaggNeighbours, secaggThreshold, strategyName == StrategyCatalog.SecureFedAvg);
            ServeSettings settings = resumed is null
                ? new ServeSettings(strategyName, parse.GetValue(rounds), parse.GetValue(seed), parse.GetValue(baseChannels), parse.GetValue(minNodes),
                    // A study of one node would skip every round at the default quorum of two.
                    parse.GetResult(minSites) is { Implicit: false } ? parse.GetValue(minSites) : Math.Min(parse.GetValue(minSites), parse.GetValue(minNodes)), parse.GetValue(roundTimeout),
                    secureSettings.Neighbours, secureSettings.ThresholdFraction)
                : ServeSettings.FromRunInfo(resumed);
            if (legacy && settings.Strategy == "scaffold")
            {
                throw new FlipException("--strategy scaffold needs the Fleet API: a legacy fit result carries the parameters only, not SCAFFOLD's control-variate change.", ExitCodes.BadCommandLine,
                    "drop --transport legacy (FLIP nodes send Δcᵢ beside their update over the Fleet API), or choose another strategy.");
            }

            if (legacy && settings.Strategy == StrategyCatalog.SecureFedAvg)
            {
                throw new FlipException("--secure-aggregation needs the Fleet API: the legacy transport's fit results carry each update in the clear.", ExitCodes.BadCommandLine,
                    "drop --transport legacy; 'flip-research client' nodes join over the Fleet API and take part in secure aggregation automatically.");
            }

            FlowerServerSecurity security = transport.Build(parse, endpoint, legacy, console, new Logging.ConsoleLineLogger<FleetService>(console));
            var options = new ExperimentOptions
            {
                Seed = settings.Seed,
                MinTrainSites = settings.MinSites,
                SecureAggregation = new Flip.Federated.SecureAggregation.SecureAggregationSettings { Neighbours = settings.SecAggNeighbours, ThresholdFraction = settings.SecAggThreshold },
            };
            var chosen = StrategyCatalog.Create(settings.Strategy, options);
            torch.manual_seed(settings.Seed);
            using var model = settings.Model.Build();
            ParameterSet initial = model.ToParameterSet();
            if (legacy)
            {
                Directory.CreateDirectory(folder);
                return await LegacyTransport.ServeAsync(console, security, endpoint, chosen, new FleetFederationOptions
                {
                    Rounds = settings.Rounds,
                    MinNodes = settings.MinNodes,
                    NodeWait = TimeSpan.FromSeconds(parse.GetValue(wait)),
                    Seed = settings.Seed,
                }, initial, folder, ct).ConfigureAwait(false);
            }

            RunStore store = resumed ?? RunStore.Create(folder, settings.ToRunInfo());
            var fleet = new FleetService(new FleetServiceOptions
            {
                MaxConcurrentReplies = parse.GetValue(maxConcurrent),
                MaxReplyBytes = parse.GetValue(maxUpdateBytes) is > 0 and var limit ? limit : null,
            });
            const ulong runId = 1;
            // Python SuperNodes fetch the run's ClientApp with GetFab: FLIP's node as a PyTorch ClientApp.
            FlowerAppBundle bundle = FlipFlowerAppBundle.Build();
            fleet.StartRun(runId, fab: bundle.Content, fabId: bundle.Id, fabVersion: bundle.Version);
            File.WriteAllBytes(Path.Combine(folder, FlipFlowerAppBundle.FileName), bundle.Content);
            var (app, listening) = await FlowerServerHost.StartAsync(security, endpoint, fleet, null, ct).ConfigureAwait(false);
            await using (app.ConfigureAwait(false))
            {
                console.MarkupLineInterpolated($"Fleet API listening on [bold]{listening}[/]; waiting for {settings.MinNodes} hospital node(s).");
                console.WriteLine($"App bundle for Python SuperNodes: {bundle.Id} {bundle.Version}, fab_hash {bundle.Hash} ({FlipFlowerAppBundle.FileName} in the run folder).");
                console.WriteLine($"A Python SuperNode joins with: flower-supernode {(listening.Scheme == Uri.UriSchemeHttp ? "--insecure" : "--root-certificates CA.pem")} --superlink {listening.Authority} --node-config \"partition-id=N\"");
                if (chosen is Flip.Federated.SecureAggregation.SecureFedAvg secureFedAvg)
                {
                    console.MarkupLine("Secure aggregation (SecAgg+): the nodes send masked updates; this server learns only their sum.");
                    console.WriteLine("Secure aggregation settings: " + SimulateSecurity.Describe(secureFedAvg.Settings) + ".");
                }
                var federation = new FleetFederation(fleet, runId, chosen, new FleetFederationOptions
                {
                    Rounds = settings.Rounds,
                    MinNodes = settings.MinNodes,
                    NodeWait = TimeSpan.FromSeconds(parse.GetValue(wait)),
                    RoundDeadline = TimeSpan.FromSeconds(settings.RoundTimeoutSeconds),
                    Seed = settings.Seed,
                    CollectAfterEachUpdate = true,
                }, new Logging.ConsoleLineLogger<FleetFederation>(console, Microsoft.Extensions.Logging.LogLevel.Information));
                var progress = new ServeProgress.Recording(new ServeProgress.Immediate(r => console.WriteLine(ServeProgress.Line(r))));
                RunResult run = resumeFolder is null
                    ? await federation.RunAsync(initial, store, progress, ct).ConfigureAwait(false)
                    : await federation.ResumeAsync(store, progress, ct).ConfigureAwait(false);
                SafetensorsFile.Write(Path.Combine(folder, RunFiles.FinalModelFileName), run.FinalParameters);
                console.WriteLine(ServeProgress.Summary(run, folder));
                if (ServeProgress.StudyFailure(run, settings.Rounds, progress.Reports) is { } failure)
                {
                    console.WriteLine(failure);
                    return ExitCodes.StudyFailed;
                }

                return ExitCodes.Ok;
            }
        });
        return command;
    }
}
