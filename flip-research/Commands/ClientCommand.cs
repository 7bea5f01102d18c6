using System.CommandLine;
using Flip.Experiments;
using Flip.Federated;
using Flip.Flower.Apps;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Flip.Flower.Records;
using Flip.Learning.Devices;
using Flip.Learning.Models;
using Flip.Learning.Training;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research client</c>: a hospital node that joins a Flower-compatible server.</summary>
internal static class ClientCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var server = new Option<string>("--server") { Description = "The server's Fleet API address, e.g. http://127.0.0.1:9092 (https for anything but loopback)." }.ServerUrl();
        var siteApp = new SiteAppOptions();
        var key = new Option<string>("--key") { Description = "The node's private key (PEM, created with mode 0600 if missing); keeps the node's identity.", DefaultValueFactory = _ => ".flip-node-key.pem" };
        var reconnect = new Option<int>("--max-reconnect-seconds") { Description = "Longest wait between reconnection attempts while the server is unreachable (the wait starts at 1 s and doubles, with jitter).", DefaultValueFactory = _ => 30 };
        var requireSecure = new Option<bool>("--require-secure-aggregation")
        {
            Description = "Send the model update only masked, in secure aggregation rounds ('serve --secure-aggregation'): a plain train request is refused, and the server records the node as failed for that round.",
        };
        var peers = new Option<string>("--secagg-peers")
        {
            Description = "The federation's node keys (the same file format as 'serve --authorized-keys', handed to every hospital by the consortium, not by the server): " +
                "in secure aggregation the node shares its secrets only with neighbours whose keys are signed by one of them, so the server cannot add neighbours of its own.",
        };
        var transportKind = LegacyTransport.TransportOption("fleet: join a Flower Fleet API server (SuperLink or 'flip-research serve'); legacy: join Flower's start_server() or 'serve --transport legacy' over FlowerService/Join (no node key).");
        var command = new Command("client",
            "Run a hospital node: hold this site's patients, join a Flower Fleet server, and answer its train and evaluate " +
            "messages with the same trainer the simulation uses. Only parameters, counts and metrics leave. Stops on Ctrl-C.\n\n" +
            "Examples:\n  flip-research client --server http://127.0.0.1:9092 --site site-2\n  flip-research client --server http://127.0.0.1:9092 --manifest hospital.json --site umcg")
        {
            server, requireSecure, peers, key, reconnect, transportKind,
        };
        foreach (Option option in siteApp.All)
        {
            command.Options.Add(option);
        }

        var transport = new TransportOptions.Client();
        transport.AddTo(command);
        var export = new Option<bool>("--export-public-key")
        {
            Description = "Print this node's public key (PEM, creating the --key file if missing) and exit; the server's operator adds it to 'serve --authorized-keys'.",
        };
        command.Options.Add(export);
        command.Validators.Add(r =>
        {
            if (!r.GetValue(export) && (r.GetResult(server) is null || r.GetResult(siteApp.Site) is null))
            {
                r.AddError("client needs --server and --site (or --export-public-key to print the node's key).");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            // Refused before the key file is created: a refused command writes nothing.
            AppContract contract = siteApp.CheckAndLoadContract(parse);
            bool secureOnly = parse.GetValue(requireSecure);
            if (secureOnly && parse.GetValue(transportKind) == LegacyTransport.Legacy)
            {
                throw new FlipException("--require-secure-aggregation: the legacy transport has no secure aggregation (its fit results carry the update itself).",
                    ExitCodes.BadCommandLine, "use the Fleet transport (the default), or drop --require-secure-aggregation.");
            }

            if (parse.GetValue(peers) is not null && parse.GetValue(transportKind) == LegacyTransport.Legacy)
            {
                throw new FlipException("--secagg-peers: the legacy transport has no secure aggregation and no node keys.", ExitCodes.BadCommandLine,
                    "use the Fleet transport (the default), or drop --secagg-peers.");
            }

            NodeAllowList? secureAggregationPeers = parse.GetValue(peers) is { } peersFile ? NodeAllowList.Load(peersFile) : null;
            using NodeIdentity identity = NodeIdentity.LoadOrCreate(parse.GetValue(key)!);
            if (parse.GetValue(export))
            {
                Console.Out.Write(System.Text.Encoding.ASCII.GetString(identity.PublicKeyPem));
                return ExitCodes.Ok;
            }

            string siteId = parse.GetValue(siteApp.Site)!;
            var built = siteApp.Build(console, parse, contract, secureOnly, identity, secureAggregationPeers, ct);
            using ModelWorkspace workspace = built.Workspace;
            SiteFlowerApp app = built.App;
            PreparedSite local = built.Local;
            if (secureAggregationPeers is not null)
            {
                console.MarkupLineInterpolated($"secure aggregation neighbours must sign with one of the {secureAggregationPeers.Count} node key(s) in {secureAggregationPeers.Source}.");
            }
            if (secureOnly)
            {
                console.MarkupLine("the model update leaves only masked (secure aggregation required); plain train requests are refused.");
            }

            var address = new Uri(parse.GetValue(server)!);
            var logger = new Logging.ConsoleLineLogger<FlowerNode>(console);
            if (parse.GetValue(transportKind) == LegacyTransport.Legacy)
            {
                console.MarkupLineInterpolated($"{siteId}: {local.Train.Count} training slices, {local.Test.Patients.Count} test patients; joining {address} (legacy transport). Ctrl-C stops.");
                // Flower's start_server asks the first client for the initial model: this node's, read when asked.
                return await LegacyTransport.ClientAsync(console, address, () => transport.CreateChannel(parse, address, logger), app, () => workspace.Model.ToParameterSet().ToArrayRecord(), ct).ConfigureAwait(false);
            }

            using var channel = transport.CreateChannel(parse, address, logger);
            console.MarkupLineInterpolated($"node key {identity.Fingerprint}; the server's operator authorizes it with the output of 'flip-research client --key {parse.GetValue(key)} --export-public-key'.");
            var node = new FlowerNode(channel.CreateCallInvoker(), identity, new ReportingFlowerApp(app, console), address.ToString(),
                new FlowerNodeOptions { PollInterval = TimeSpan.FromMilliseconds(200), MaxReconnectDelay = TimeSpan.FromSeconds(parse.GetValue(reconnect)) },
                logger: logger);
            console.MarkupLineInterpolated($"{siteId}: {local.Train.Count} training slices, {local.Test.Patients.Count} test patients; joining {address}. Ctrl-C stops.");
            try
            {
                await node.RunAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }

            console.MarkupLine("node stopped.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
