using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Flip.Benchmarks;
using Flip.Benchmarks.Flower;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research bench load</c>: one Fleet server process, N nodes in this process, 25M-parameter updates over loopback gRPC; peak RSS and round time by N.</summary>
internal static class LoadBenchCommand
{
    private const string ListeningPrefix = "listening ";

    public static Command Create(IAnsiConsole console)
    {
        var clients = new Option<int[]>("--clients", "-n") { Description = "Node counts to measure, one fresh server process each.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [1, 10, 25, 50] };
        var rounds = new Option<int>("--rounds", "-r") { Description = "FedAvg rounds per node count.", DefaultValueFactory = _ => 2 };
        var arrays = new Option<int>("--arrays") { Description = "Arrays in the model (BENCHMARKS.md's 25M set: 25).", DefaultValueFactory = _ => 25 };
        var values = new Option<int>("--values-per-array") { Description = "Values per array, a multiple of 1000 (25M set: 1000000).", DefaultValueFactory = _ => 1_000_000 };
        var concurrent = new Option<int>("--max-concurrent-updates") { Description = "Updates the server receives at once.", DefaultValueFactory = _ => 1 };
        var noCollect = new Option<bool>("--no-collect") { Description = "Do not collect garbage after each folded update (shows what the runtime keeps on its own)." };
        var json = BenchCommand.JsonOption();
        var serveOnly = new Option<bool>("--serve-only") { Description = "Run only the server for the first --clients value and print JSON (used by bench load itself).", Hidden = true };
        var command = new Command("load",
            "Issue #11's load test: a Fleet server (its own process) runs FedAvg with streaming aggregation while N nodes (this process) send " +
            "25M-parameter updates over loopback gRPC. Prints, per N, the round times and the server's base and peak RSS in model sizes.\n\n" +
            "Example:\n  flip-research bench load --clients 1 10 25 50 --rounds 2")
        {
            clients, rounds, arrays, values, concurrent, noCollect, json, serveOnly,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new LoadBenchmarkOptions
            {
                Rounds = parse.GetValue(rounds),
                Arrays = parse.GetValue(arrays),
                ValuesPerArray = parse.GetValue(values),
                MaxConcurrentUpdates = parse.GetValue(concurrent),
                CollectAfterEachUpdate = !parse.GetValue(noCollect),
            };
            int[] counts = parse.GetValue(clients)!;
            if (parse.GetValue(serveOnly))
            {
                // The measuring process holds this one's standard input open; when it ends (even killed), so does this server.
                using var orphaned = CancellationTokenSource.CreateLinkedTokenSource(ct);
                _ = Task.Run(async () =>
                {
                    await Console.In.ReadToEndAsync(orphaned.Token).ConfigureAwait(false);
                    await orphaned.CancelAsync().ConfigureAwait(false);
                }, CancellationToken.None);
                LoadServerResult served = await LoadBenchmark.ServeAsync(options with { Nodes = counts[0] }, a => Console.Out.WriteLine(ListeningPrefix + a), orphaned.Token).ConfigureAwait(false);
                Console.Out.WriteLine(JsonSerializer.Serialize(served));
                return ExitCodes.Ok;
            }

            bool asJson = parse.GetValue(json);
            var results = new List<LoadServerResult>();
            foreach (int n in counts)
            {
                if (!asJson)
                {
                    console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{n} node(s): starting the server process..."));
                }

                results.Add(await MeasureAsync(options with { Nodes = n }, ct).ConfigureAwait(false));
            }

            if (asJson)
            {
                BenchmarkReport.Create("bench load", null, Records(results)).Write(Console.Out);
                return ExitCodes.Ok;
            }

            Render(console, results);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<LoadServerResult> MeasureAsync(LoadBenchmarkOptions options, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(typeof(LoadBenchCommand).Assembly.Location);
        }

        foreach (string arg in new[] { "bench", "load", "--serve-only", "--clients", I(options.Nodes), "--rounds", I(options.Rounds), "--arrays", I(options.Arrays),
            "--values-per-array", I(options.ValuesPerArray), "--max-concurrent-updates", I(options.MaxConcurrentUpdates) })
        {
            start.ArgumentList.Add(arg);
        }

        if (!options.CollectAfterEachUpdate)
        {
            start.ArgumentList.Add("--no-collect");
        }

        using Process server = Process.Start(start) ?? throw new FlipException("could not start the load-test server process.", ExitCodes.Environment);
        Task<string> error = server.StandardError.ReadToEndAsync(ct);
        using var stopNodes = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task nodes = Task.CompletedTask;
        string? result = null;
        while (await server.StandardOutput.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.StartsWith(ListeningPrefix, StringComparison.Ordinal))
            {
                nodes = LoadBenchmark.RunNodesAsync(new Uri(line[ListeningPrefix.Length..]), options.Nodes, stopNodes.Token);
            }
            else if (line.StartsWith('{'))
            {
                result = line;
            }
        }

        await server.WaitForExitAsync(ct).ConfigureAwait(false);
        await stopNodes.CancelAsync().ConfigureAwait(false);
        await nodes.ConfigureAwait(false);
        if (server.ExitCode != 0 || result is null)
        {
            throw new FlipException($"the load-test server exited with {server.ExitCode}: {(await error.ConfigureAwait(false)).Trim()}", ExitCodes.RunFailed);
        }

        return JsonSerializer.Deserialize<LoadServerResult>(result) ?? throw new FlipException("the load-test server printed no result.", ExitCodes.InternalError);
    }

    /// <summary>Per node count: the round time over the rounds, the server's peak RSS and its growth above base in model sizes (threads: not pinned).</summary>
    private static IEnumerable<BenchmarkRecord> Records(List<LoadServerResult> results)
    {
        const double MB = 1 << 20;
        foreach (LoadServerResult r in results)
        {
            string nodes = r.Nodes == 1 ? "1 node" : I(r.Nodes) + " nodes";
            yield return BenchmarkRecord.FromRuns($"load {nodes} round", "s", false, r.RoundSeconds, 0);
            yield return new BenchmarkRecord($"load {nodes} server peak RSS", "MB", false, r.PeakRssBytes / MB, null, null, 1, 0);
            yield return new BenchmarkRecord($"load {nodes} server peak − base", "model sizes", false, r.ExtraModels, null, null, 1, 0);
        }
    }

    private static void Render(IAnsiConsole console, List<LoadServerResult> results)
    {
        const double MB = 1 << 20;
        var table = new Table().AddColumns("nodes", "round times, s", "base RSS, MB", "peak RSS, MB", "peak − base, model sizes", "updates held (aggregation)", "replies admitted at once", "aggregated (last round)", "failures");
        foreach (LoadServerResult r in results)
        {
            table.AddRow(I(r.Nodes), string.Join(" / ", r.RoundSeconds.Select(s => s.ToString("F1", CultureInfo.InvariantCulture))),
                (r.BaseRssBytes / MB).ToString("F0", CultureInfo.InvariantCulture), (r.PeakRssBytes / MB).ToString("F0", CultureInfo.InvariantCulture),
                r.ExtraModels.ToString("F2", CultureInfo.InvariantCulture), I(r.PeakHeldUpdates), I(r.PeakRepliesInFlight), I(r.LastRoundAggregated), I(r.Failures));
        }

        console.Write(table);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model: {results.FirstOrDefault()?.ModelBytes / MB:F0} MB of float32; goal: peak − base ≤ 3 model sizes whatever the number of nodes."));
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
