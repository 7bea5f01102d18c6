using System.CommandLine;
using System.Net;
using Flip.Experiments;
using Flip.Federated;
using Flip.Federated.Runs;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Flower;
using Flip.Flower.Fleet;
using Flip.Flower.Legacy;
using Flip.Flower.Records;
using Flip.Learning.Checkpoints;
using Grpc.Net.Client;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary>The <c>--transport legacy</c> halves of <c>serve</c> and <c>client</c>: Flower's <c>FlowerService/Join</c> stream.</summary>
internal static class LegacyTransport
{
    public const string Fleet = "fleet";
    public const string Legacy = "legacy";

    /// <summary>Flower's default ports: the Fleet API (SuperLink) and the legacy <c>start_server</c>.</summary>
    public const int FleetPort = 9092;
    public const int LegacyPort = 8080;

    public static Option<string> TransportOption(string description)
    {
        var option = new Option<string>("--transport")
        {
            Description = description,
            DefaultValueFactory = _ => Fleet,
        };
        option.AcceptOnlyFromAmong(Fleet, Legacy);
        return option;
    }

    /// <summary>Serves Flower's legacy stream with the TLS (and mutual TLS) of <paramref name="security"/>; it carries no node keys.</summary>
    public static async Task<int> ServeAsync(IAnsiConsole console, FlowerServerSecurity security, IPEndPoint endpoint, Strategy strategy, FleetFederationOptions options, ParameterSet initial, string folder, CancellationToken ct)
    {
        var service = new LegacyFlowerService { MaxClientMessageBytes = LegacyFlowerService.ClientMessageLimitFor(initial) };
        var (app, listening) = await FlowerServerHost.StartAsync(security, endpoint, null, service, ct).ConfigureAwait(false);
        await using (app.ConfigureAwait(false))
        {
            console.MarkupLineInterpolated($"Legacy FlowerService listening on [bold]{listening}[/]; waiting for {options.MinNodes} client(s).");
            console.MarkupLine(security.ClientCertificateAuthority is null
                ? "No node authentication: Flower's legacy transport has none, so any client that reaches this port can join."
                : "No node keys on the legacy transport: any client holding a certificate from the client CA (--tls-client-ca) can join.");
            var federation = new LegacyFederation(service, strategy, options) { OnEvent = line => console.MarkupLineInterpolated($"{line}") };
            var progress = new ServeProgress.Recording(new ServeProgress.Immediate(r => console.MarkupLineInterpolated(
                $"round {r.Round}/{r.TotalRounds}: {r.SitesAggregated} client(s) aggregated, {r.Failures.Count} failed; {r.Federated}; {r.Elapsed.TotalSeconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)} s")));
            RunResult run = await federation.RunAsync(initial, progress, ct).ConfigureAwait(false);
            AtomicFile.WriteText(Path.Combine(folder, RunStore.MetricsFileName), MetricsFile.Format(run.Metrics));
            SafetensorsFile.Write(Path.Combine(folder, RunFiles.FinalModelFileName), run.FinalParameters);
            console.MarkupLineInterpolated($"Done: {run.RoundsCompleted} rounds, {run.Failures.Count} failure(s). metrics.csv and final-model.safetensors in [bold]{folder}[/].");
            if (ServeProgress.StudyFailure(run, options.Rounds, progress.Reports) is { } failure)
            {
                console.WriteLine(failure);
                return ExitCodes.StudyFailed;
            }

            return run.Failures.Count == 0 ? ExitCodes.Ok : ExitCodes.RunFailed;
        }
    }

    /// <summary>Joins a legacy server; when it asks the client to come back later (reconnect_ins with seconds &gt; 0), waits and rejoins.</summary>
    public static async Task<int> ClientAsync(IAnsiConsole console, Uri address, Func<GrpcChannel> connect, IFlowerApp app, Func<ArrayRecord> parameters, CancellationToken ct)
    {
        var logger = new Logging.ConsoleLineLogger<LegacyFlowerClient>(console);
        // As Flower's start_client: a server not (yet, or no longer) reachable is waited for, with back-off, until Ctrl-C.
        var backoff = new ReconnectBackoff(new FlowerNodeOptions().MaxReconnectDelay, address.ToString(), logger);
        while (true)
        {
            using GrpcChannel channel = connect();
            var client = new LegacyFlowerClient(channel.CreateCallInvoker(), app, address.ToString(), logger) { Parameters = parameters };
            long? again;
            try
            {
                again = await client.RunAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                console.MarkupLine("client stopped.");
                return ExitCodes.Ok;
            }
            catch (FlowerProtocolException e) when (ReconnectBackoff.IsUnavailable(e) && !ct.IsCancellationRequested)
            {
                try
                {
                    await backoff.WaitAsync(ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    console.MarkupLine("client stopped.");
                    return ExitCodes.Ok;
                }

                continue;
            }

            if (again is not > 0)
            {
                console.MarkupLineInterpolated($"the server ended the session{(again is null ? " (stream closed)" : "")}; client stopped.");
                return ExitCodes.Ok;
            }

            console.MarkupLineInterpolated($"the server asked to reconnect in {again} s.");
            await Task.Delay(TimeSpan.FromSeconds(again.Value), ct).ConfigureAwait(false);
        }
    }
}
