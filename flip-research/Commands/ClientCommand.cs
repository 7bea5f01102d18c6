using System.CommandLine;
using Flip.Experiments;
using Flip.Federated;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
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
        var server = new Option<string>("--server") { Description = "The server's Fleet API address, e.g. http://127.0.0.1:9092 (https for anything but loopback).", Required = true }.ServerUrl();
        var site = new Option<string>("--site") { Description = "Which FLIP-6 hospital's synthetic data this node holds (site-1 … site-6).", Required = true };
        var scale = new Option<double>("--scale") { Description = "Synthetic cohort scale.", DefaultValueFactory = _ => 0.08 };
        var seed = new Option<int>("--seed") { Description = "Synthetic cohort seed.", DefaultValueFactory = _ => 7 };
        var baseChannels = new Option<int>("--base-channels") { Description = "U-Net channels at the first level (as the server).", DefaultValueFactory = _ => 8 };
        var key = new Option<string>("--key") { Description = "The node's private key (PEM, created with mode 0600 if missing); keeps the node's identity.", DefaultValueFactory = _ => ".flip-node-key.pem" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
        var transport = LegacyTransport.TransportOption("fleet: join a Flower Fleet API server (SuperLink or 'flip-research serve'); legacy: join Flower's start_server() or 'serve --transport legacy' over FlowerService/Join (no node key).");
        var command = new Command("client",
            "Run a hospital node: hold this site's patients, join a Flower Fleet server, and answer its train and evaluate " +
            "messages with the same trainer the simulation uses. Only parameters, counts and metrics leave. Stops on Ctrl-C.\n\n" +
            "Example:\n  flip-research client --server http://127.0.0.1:9092 --site site-2")
        {
            server, site, scale, seed, baseChannels, key, device, transport,
        };
        command.SetAction(async (parse, ct) =>
        {
            PreparedCohort cohort = Experiment.SyntheticFlip6(parse.GetValue(scale), parse.GetValue(seed));
            string siteId = parse.GetValue(site)!;
            PreparedSite local = cohort.Sites.FirstOrDefault(s => s.Id == siteId)
                ?? throw new FlipException($"no hospital '{siteId}' in FLIP-6; expected one of {string.Join(", ", cohort.Sites.Select(s => s.Id))}.", ExitCodes.BadCommandLine);
            using var workspace = new ModelWorkspace(() => new UNet2D(3, 2, parse.GetValue(baseChannels)), DeviceChoice.Resolve(parse.GetValue(device)!));
            var trainer = new SegmentationSiteTrainer(local.Train, local.Test, workspace);
            var app = new SiteFlowerApp(new Site(new SiteId(siteId), trainer), workspace.Model.ToParameterSet().Layout);
            var address = new Uri(parse.GetValue(server)!);
            if (parse.GetValue(transport) == LegacyTransport.Legacy)
            {
                console.MarkupLineInterpolated($"{siteId}: {local.Train.Count} training slices, {local.Test.Patients.Count} test patients; joining {address} (legacy transport). Ctrl-C stops.");
                return await LegacyTransport.ClientAsync(console, address, app, ct).ConfigureAwait(false);
            }

            using NodeIdentity identity = NodeIdentity.LoadOrCreate(parse.GetValue(key)!);
            using var channel = FlowerChannel.Create(address);
            var node = new FlowerNode(channel.CreateCallInvoker(), identity, app, address.ToString(), new FlowerNodeOptions { PollInterval = TimeSpan.FromMilliseconds(200) });
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
