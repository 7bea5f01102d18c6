using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using Flip.Experiments;
using Flip.Federated;
using Flip.Federated.Runs;
using Flip.Federated.Simulations;
using Flip.Flower.Fleet;
using Flip.Learning.Checkpoints;
using Flip.Learning.Models;
using Flip.Reporting;
using Grpc.Core;
using Spectre.Console;
using TorchSharp;
using W = Flip.Flower.Wire;

namespace Flip.Cli.Commands;

/// <summary>
/// <c>flip-research serverapp</c>: FLIP's strategies as the ServerApp of a real Flower SuperLink
/// (<c>flower-superlink --isolation process</c>), over its ServerAppIo API, with the round loop <c>serve</c> uses.
/// </summary>
internal static class ServerAppCommand
{
    /// <summary>The SuperLink's ServerAppIo address Flower's own ServerApp process uses by default.</summary>
    public const string DefaultSuperLink = "127.0.0.1:9091";

    private static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(10);

    public static Command Create(IAnsiConsole console)
    {
        var superlink = new Option<string>("--superlink")
        {
            Description = "The SuperLink's ServerAppIo API, HOST:PORT (flower-superlink --serverappio-api-address; the SuperLink must run with --isolation process).",
            DefaultValueFactory = _ => DefaultSuperLink,
        };
        var output = new Option<string?>("--out", "-o") { Description = "The run folder: run.json, a checkpoint per round, metrics.csv, failures.csv, final-model.safetensors, report.html (default runs/serverapp-<run id>)." };
        var wait = new Option<int>("--wait-seconds") { Description = "How long to wait for a run to launch (submitted with flwr run), and then for its nodes.", DefaultValueFactory = _ => 300 }.InRange(1, 86400);
        var command = new Command("serverapp",
            "Be the ServerApp of a Flower SuperLink started with --isolation process: take the next run submitted with 'flwr run', " +
            "drive the FLIP strategy its run config names over the SuperLink's SuperNodes (Python ClientApps and 'flip-research client' nodes alike), " +
            "push logs and the final context, set the run's status, and write the same run folder as serve. Exits when the run ends.\n\n" +
            "Run config keys (pyproject.toml [tool.flwr.app.config] or flwr run --run-config): strategy (default fedavg), num-server-rounds (3), " +
            "min-nodes (2), min-sites, base-channels (8), seed (7), round-timeout (seconds, 1800).\n\n" +
            "Examples:\n  flip-research serverapp --superlink 127.0.0.1:9091 --out runs/superlink\n  flip-research serverapp --superlink link.example.org:9091 --tls-ca ca.pem")
        {
            superlink, output, wait,
        };
        var transport = new TransportOptions.Client();
        transport.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            string address = parse.GetValue(superlink)!;
            Uri uri = AppIoAddress.Parse(address, transport.UsesTls(parse), "--superlink", DefaultSuperLink);
            var logger = new Logging.ConsoleLineLogger<ServerAppIoGrid>(console);
            using var channel = transport.CreateChannel(parse, uri, logger);
            var client = new W.ServerAppIo.ServerAppIoClient(channel);
            TimeSpan patience = TimeSpan.FromSeconds(parse.GetValue(wait));
            var (runId, token) = await ClaimRunAsync(console, client, address, patience, ct).ConfigureAwait(false);

            W.PullAppInputsResponse inputs;
            try
            {
                inputs = await client.PullAppInputsAsync(new W.PullAppInputsRequest { Token = token }, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.PermissionDenied)
            {
                throw new FlipException($"the SuperLink at {address} refused to hand over run {runId}: {e.Status.Detail}", ExitCodes.RunFailed,
                    "the run was taken or stopped meanwhile; submit it again with flwr run.");
            }

            var log = new RunLog(console, client, runId, token);
            var status = new W.RunStatus { Status = "finished", SubStatus = "failed", Details = "the FLIP ServerApp failed; its log says why" };
            int exit = ExitCodes.RunFailed;
            try
            {
                (exit, status) = await RunAsync(console, log, channel, inputs, parse.GetValue(output) ?? Path.Combine("runs", string.Create(CultureInfo.InvariantCulture, $"serverapp-{runId}")),
                    patience, ct).ConfigureAwait(false);
                W.Context context = inputs.Context ?? new W.Context { RunId = runId };
                await client.PushAppOutputsAsync(new W.PushAppOutputsRequest { Token = token, RunId = runId, Context = context }, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is FlipException or RpcException or OperationCanceledException or IOException)
            {
                status.Details = e is OperationCanceledException ? "the FLIP ServerApp process was stopped" : e.Message;
                log.Write($"run {runId} failed: {status.Details}");
                throw;
            }
            finally
            {
                await log.DisposeAsync().ConfigureAwait(false);
                try
                {
                    await client.UpdateRunStatusAsync(new W.UpdateRunStatusRequest { RunId = runId, RunStatus = status }, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: CancellationToken.None).ConfigureAwait(false);
                }
                catch (RpcException e)
                {
                    console.WriteLine($"could not set run {runId}'s status on the SuperLink at {address}: {e.Status.Detail}");
                }
            }

            return exit;
        });
        return command;
    }

    /// <summary>ListAppsToLaunch, then RequestToken for the first run not taken by another process.</summary>
    private static async Task<(ulong RunId, string Token)> ClaimRunAsync(IAnsiConsole console, W.ServerAppIo.ServerAppIoClient client, string address, TimeSpan patience, CancellationToken ct)
    {
        DateTimeOffset until = DateTimeOffset.UtcNow + patience;
        var taken = new SortedSet<ulong>();
        bool announced = false;
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(10), address, new Logging.ConsoleLineLogger<ServerAppIoGrid>(console));
        while (true)
        {
            W.ListAppsToLaunchResponse runs;
            try
            {
                runs = await client.ListAppsToLaunchAsync(new W.ListAppsToLaunchRequest(), deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable && DateTimeOffset.UtcNow < until)
            {
                // A SuperLink still starting (or restarting) is waited for within the same patience as a run.
                await backoff.WaitAsync(ct).ConfigureAwait(false);
                continue;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                throw new FlipException($"no SuperLink ServerAppIo API answered at {address} within {patience.TotalSeconds:F0} s ({e.StatusCode}: {e.Status.Detail}).", ExitCodes.Network,
                    $"start flower-superlink --isolation process (its --serverappio-api-address, default 0.0.0.0:9091) or pass its address with --superlink HOST:PORT.");
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unimplemented or StatusCode.Internal)
            {
                throw new FlipException($"{address} answers gRPC but is not a SuperLink's ServerAppIo API ({e.StatusCode}): wrong port?", ExitCodes.Network,
                    "pass the SuperLink's --serverappio-api-address (default port 9091; 9092 is the Fleet API, 9093 the Control API).");
            }

            foreach (ulong runId in runs.RunIds)
            {
                W.RequestTokenResponse token = await client.RequestTokenAsync(new W.RequestTokenRequest { RunId = runId }, cancellationToken: ct).ConfigureAwait(false);
                if (token.Token.Length > 0)
                {
                    console.WriteLine($"Claimed run {runId} on the SuperLink at {address}.");
                    return (runId, token.Token);
                }

                taken.Add(runId);
            }

            if (DateTimeOffset.UtcNow >= until)
            {
                throw taken.Count > 0
                    ? new FlipException($"run(s) {string.Join(", ", taken)} on the SuperLink at {address} were already taken by another ServerApp process.", ExitCodes.RunFailed,
                        "start flower-superlink with --isolation process, so that its own ServerApp does not take the runs, and run one 'flip-research serverapp' per run.")
                    : new FlipException($"no run was waiting on the SuperLink at {address} within {patience.TotalSeconds:F0} s.", ExitCodes.RunFailed,
                        "submit a run with flwr run (or the harness's submit_run.py); the SuperLink must be started with --isolation process.");
            }

            if (!announced)
            {
                console.WriteLine($"Waiting for a run on the SuperLink at {address} (flwr run submits one).");
                announced = true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
        }
    }

    private static async Task<(int Exit, W.RunStatus Status)> RunAsync(IAnsiConsole console, RunLog log, Grpc.Net.Client.GrpcChannel channel, W.PullAppInputsResponse inputs, string folder,
        TimeSpan patience, CancellationToken ct)
    {
        W.Run run = inputs.Run ?? throw new FlipException("the SuperLink's PullAppInputs carried no run.", ExitCodes.Network, "check that the SuperLink is Flower 1.27.");
        ulong runId = run.RunId;
        FlowerRunConfig config = FlowerRunConfig.Fuse(inputs.Fab?.Content.Memory ?? ReadOnlyMemory<byte>.Empty, run.OverrideConfig, $"run {runId}");
        string strategyName = config.GetString("strategy", "fedavg");
        string[] strategies = [.. StrategyCatalog.Names.Where(n => n is not "centralised" and not "local-only"), StrategyCatalog.SecureFedAvg];
        if (!strategies.Contains(strategyName, StringComparer.Ordinal))
        {
            throw new FlipException($"run {runId}: run config 'strategy' is \"{strategyName}\"; expected one of {string.Join(", ", strategies)}.", ExitCodes.BadInput,
                "set it with flwr run --run-config \"strategy='fedbn'\" or in the app's pyproject.toml.");
        }

        int minNodes = config.GetInt("min-nodes", 2);
        var settings = new ServeSettings(strategyName, config.GetInt("num-server-rounds", 3), config.GetInt("seed", 7), config.GetInt("base-channels", 8), minNodes,
            config.GetInt("min-sites", Math.Min(2, minNodes)), config.GetInt("round-timeout", 1800), RunKind: "serverapp");
        var options = new ExperimentOptions { Seed = settings.Seed, MinTrainSites = settings.MinSites };
        var chosen = StrategyCatalog.Create(settings.Strategy, options);
        torch.manual_seed(settings.Seed);
        using var model = settings.Model.Build();
        ParameterSet initial = model.ToParameterSet();
        RunStore store = RunStore.Create(folder, settings.ToRunInfo());
        log.Write($"FLIP ServerApp: run {runId} ({run.FabId} {run.FabVersion}), strategy {settings.Strategy}, {settings.Rounds} rounds, U-Net base {settings.BaseChannels}, " +
            $"waiting for {settings.MinNodes} node(s); run folder {folder}.");

        await using var grid = new ServerAppIoGrid(channel.CreateCallInvoker(), runId, logger: new Logging.ConsoleLineLogger<ServerAppIoGrid>(console));
        var federation = new FleetFederation(grid, runId, chosen, new FleetFederationOptions
        {
            Rounds = settings.Rounds,
            MinNodes = settings.MinNodes,
            NodeWait = patience,
            RoundDeadline = TimeSpan.FromSeconds(settings.RoundTimeoutSeconds),
            Seed = settings.Seed,
        }, new Logging.ConsoleLineLogger<FleetFederation>(console));
        var progress = new ServeProgress.Recording(new ServeProgress.Immediate(r => log.Write(ServeProgress.Line(r))));
        RunResult result = await federation.RunAsync(initial, store, progress, ct).ConfigureAwait(false);
        SafetensorsFile.Write(Path.Combine(folder, RunFiles.FinalModelFileName), result.FinalParameters);
        string report = Report.Write([folder], Path.Combine(folder, "report.html"));
        log.Write(ServeProgress.Summary(result, folder) + " Report: " + report);
        if (ServeProgress.StudyFailure(result, settings.Rounds, progress.Reports) is { } failure)
        {
            log.Write(failure);
            return (ExitCodes.StudyFailed, new W.RunStatus { Status = "finished", SubStatus = "failed", Details = failure });
        }

        return (ExitCodes.Ok, new W.RunStatus { Status = "finished", SubStatus = "completed" });
    }

    /// <summary>The run's log lines, printed and pushed to the SuperLink (<c>PushLogs</c>, shown by <c>flwr log</c>), and the app heartbeat.</summary>
    private sealed class RunLog : IAsyncDisposable
    {
        private readonly IAnsiConsole _console;
        private readonly W.ServerAppIo.ServerAppIoClient _client;
        private readonly ulong _runId;
        private readonly string _token;
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public RunLog(IAnsiConsole console, W.ServerAppIo.ServerAppIoClient client, ulong runId, string token)
        {
            _console = console;
            _client = client;
            _runId = runId;
            _token = token;
            _loop = Task.Run(() => LoopAsync(_stop.Token));
        }

        public void Write(string line)
        {
            _console.WriteLine(line);
            _lines.Enqueue(line + "\n");
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
            await FlushAsync().ConfigureAwait(false);
            _stop.Dispose();
        }

        private async Task LoopAsync(CancellationToken ct)
        {
            DateTimeOffset nextBeat = DateTimeOffset.MinValue;
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    if (DateTimeOffset.UtcNow >= nextBeat)
                    {
                        W.SendAppHeartbeatResponse beat = await _client.SendAppHeartbeatAsync(new W.SendAppHeartbeatRequest { Token = _token }, cancellationToken: ct).ConfigureAwait(false);
                        if (!beat.Success)
                        {
                            _console.WriteLine($"the SuperLink did not acknowledge the app heartbeat of run {_runId} (the run may have been stopped).");
                        }

                        nextBeat = DateTimeOffset.UtcNow + HeartbeatPeriod;
                    }

                    await FlushAsync().ConfigureAwait(false);
                    await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (RpcException e)
                {
                    _console.WriteLine($"heartbeat/logs to the SuperLink failed: {e.StatusCode} {e.Status.Detail}");
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }

        private async Task FlushAsync()
        {
            var request = new W.PushLogsRequest { Node = new W.Node { NodeId = 0 }, RunId = _runId };
            while (_lines.TryDequeue(out string? line))
            {
                request.Logs.Add(line);
            }

            if (request.Logs.Count > 0)
            {
                try
                {
                    await _client.PushLogsAsync(request, deadline: DateTime.UtcNow.AddSeconds(10)).ConfigureAwait(false);
                }
                catch (RpcException e)
                {
                    _console.WriteLine($"pushing {request.Logs.Count} log line(s) to the SuperLink failed: {e.StatusCode}");
                }
            }
        }
    }
}
