using System.CommandLine;
using Flip.Flower.Apps;
using Flip.Flower.Fleet;
using Flip.Learning.Training;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary>
/// <c>flip-research clientapp</c>: FLIP's node as the ClientApp of a Flower SuperNode started with <c>--isolation process</c>,
/// over its ClientAppIo API, with the same app as <c>client</c>.
/// </summary>
internal static class ClientAppCommand
{
    /// <summary>The SuperNode's ClientAppIo address Flower's own ClientApp process uses by default.</summary>
    public const string DefaultSuperNode = "127.0.0.1:9094";

    public static Command Create(IAnsiConsole console)
    {
        var supernode = new Option<string>("--supernode")
        {
            Description = "The SuperNode's ClientAppIo API, HOST:PORT (flower-supernode --clientappio-api-address; the SuperNode must run with --isolation process).",
            DefaultValueFactory = _ => DefaultSuperNode,
        };
        var siteApp = new SiteAppOptions();
        var command = new Command("clientapp",
            "Be the ClientApp of a Flower SuperNode started with --isolation process: the hospital keeps Flower's SuperNode (its key, its link to the " +
            "SuperLink), and this process answers each train and evaluate message with the trainer and app contract of 'flip-research client'. " +
            "Only parameters, counts and metrics leave. Stops on Ctrl-C.\n\n" +
            "Examples:\n  flip-research clientapp --supernode 127.0.0.1:9094 --site site-2\n  flip-research clientapp --supernode 127.0.0.1:9094 --manifest hospital.json --site umcg --app flower-unetapp")
        {
            supernode,
        };
        foreach (Option option in siteApp.All)
        {
            command.Options.Add(option);
        }

        var transport = new TransportOptions.Client();
        transport.AddTo(command);
        command.Validators.Add(r =>
        {
            if (r.GetResult(siteApp.Site) is null)
            {
                r.AddError("clientapp needs --site.");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            AppContract contract = siteApp.CheckAndLoadContract(parse);
            string address = parse.GetValue(supernode)!;
            Uri uri = AppIoAddress.Parse(address, transport.UsesTls(parse), "--supernode", DefaultSuperNode);
            var built = siteApp.Build(console, parse, contract, secureOnly: false, identity: null, secureAggregationPeers: null, ct);
            using ModelWorkspace workspace = built.Workspace;
            var logger = new Logging.ConsoleLineLogger<ClientAppIoNode>(console, Microsoft.Extensions.Logging.LogLevel.Information);
            using var channel = transport.CreateChannel(parse, uri, logger);
            var node = new ClientAppIoNode(channel.CreateCallInvoker(), new ReportingFlowerApp(built.App, console), address, logger: logger);
            console.MarkupLineInterpolated($"{built.Local.Id}: {built.Local.Train.Count} training slices, {built.Local.Test.Patients.Count} test patients; answering the SuperNode at {address}. Ctrl-C stops.");
            try
            {
                await node.RunAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }

            console.MarkupLineInterpolated($"clientapp stopped after {node.Answered} message(s).");
            return ExitCodes.Ok;
        });
        return command;
    }
}
