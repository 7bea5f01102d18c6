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
        var site = new Option<string>("--site") { Description = "This node's site id: in --manifest, or a FLIP-6 hospital of the synthetic data (site-1 … site-6)." };
        var manifest = new Option<string>("--manifest") { Description = "A dataset manifest; the node reads its site's data from the site's source there (folder, or PACS over DICOMweb)." };
        var cache = new Option<string>("--cache") { Description = "Cache folder for the manifest's index and fetched PACS data (default: <manifest folder>/.flip-cache)." };
        var share = new Option<string[]>("--share") { Description = "What the node sends: parameters, counts, metrics (all three; per-patient items are refused).", DefaultValueFactory = _ => HospitalSiteData.Shareable, AllowMultipleArgumentsPerToken = true };
        var scale = new Option<double>("--scale") { Description = "Synthetic cohort scale.", DefaultValueFactory = _ => 0.08 };
        var seed = new Option<int>("--seed") { Description = "Synthetic cohort seed.", DefaultValueFactory = _ => 7 };
        var baseChannels = new Option<int>("--base-channels") { Description = "U-Net channels at the first level (as the server), unless the app contract fixes them.", DefaultValueFactory = _ => 8 };
        var appContract = new Option<string>("--app")
        {
            Description = "The Flower app's contract: a JSON file (src/Flip.Flower/Apps/app-contract.schema.json) or a built-in one: " +
                string.Join(", ", AppContract.PresetNames) + ". It maps the app's config keys to the trainer, names the reply's metric keys and what num-examples counts, and fixes the model. " +
                "Example: --app flower-unetapp",
            DefaultValueFactory = _ => "flip",
        };
        var key = new Option<string>("--key") { Description = "The node's private key (PEM, created with mode 0600 if missing); keeps the node's identity.", DefaultValueFactory = _ => ".flip-node-key.pem" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
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
            server, site, manifest, cache, share, requireSecure, peers, scale, seed, baseChannels, appContract, key, device, reconnect, transportKind,
        };
        var transport = new TransportOptions.Client();
        transport.AddTo(command);
        var export = new Option<bool>("--export-public-key")
        {
            Description = "Print this node's public key (PEM, creating the --key file if missing) and exit; the server's operator adds it to 'serve --authorized-keys'.",
        };
        command.Options.Add(export);
        command.Validators.Add(r =>
        {
            if (!r.GetValue(export) && (r.GetResult(server) is null || r.GetResult(site) is null))
            {
                r.AddError("client needs --server and --site (or --export-public-key to print the node's key).");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            // Refused before the key file is created: a refused command writes nothing.
            HospitalSiteData.CheckSharing(parse.GetValue(share)!);
            AppContract contract = AppContract.Load(parse.GetValue(appContract)!);
            CheckContract(contract, parse.GetValue(manifest));
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

            string siteId = parse.GetValue(site)!;
            PreparedSite local = HospitalSiteData.Load(console, siteId, parse.GetValue(manifest), parse.GetValue(cache), parse.GetValue(scale), parse.GetValue(seed), ct);
            int channels = contract.ModelBaseChannels ?? parse.GetValue(baseChannels);
            var recipe = new ModelRecipe { InputChannels = local.Train.Channels, BaseChannels = channels };
            using var workspace = new ModelWorkspace(recipe.Build, DeviceChoice.Resolve(parse.GetValue(device)!));
            var trainer = new SegmentationSiteTrainer(local.Train, local.Test, workspace);
            ParameterSet initial = workspace.Model.ToParameterSet();
            HospitalSiteData.PrintSharing(console, siteId, local, initial);
            var app = new SiteFlowerApp(new Site(new SiteId(siteId), trainer), initial.Layout, secureOnly, new Logging.ConsoleLineLogger<SiteFlowerApp>(console), identity, secureAggregationPeers, contract);
            if (secureAggregationPeers is not null)
            {
                console.MarkupLineInterpolated($"secure aggregation neighbours must sign with one of the {secureAggregationPeers.Count} node key(s) in {secureAggregationPeers.Source}.");
            }
            console.MarkupLineInterpolated($"app contract '{contract.Name}': model {contract.ModelText}, {initial.Count} arrays; train replies {contract.ReplyKeysText(contract.Train)}, evaluate replies {contract.ReplyKeysText(contract.Evaluate)}.");
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

    // The contract's model and data must be what this node can provide; refused before anything is created.
    private static void CheckContract(AppContract contract, string? manifestPath)
    {
        if (contract.ModelRecipe != "unet2d")
        {
            throw new FlipException($"--app {contract.Name}: model recipe '{contract.ModelRecipe}' is not one this node builds; expected unet2d.", ExitCodes.BadInput,
                "set model.recipe to unet2d, or join with a contract of an app whose model the node can train.");
        }

        if (contract.Data == AppDataSource.Manifest && manifestPath is null)
        {
            throw new FlipException($"--app {contract.Name}: the contract trains on a hospital manifest, but no --manifest was given.", ExitCodes.BadCommandLine, "add --manifest FILE.");
        }

        if (contract.Data == AppDataSource.Flip6 && manifestPath is not null)
        {
            throw new FlipException($"--app {contract.Name}: the contract trains on a FLIP-6 hospital of the synthetic cohort, but --manifest was given.", ExitCodes.BadCommandLine, "drop --manifest, or use a contract with data 'any' or 'manifest'.");
        }
    }
}
