using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Flip.Cli.Tests.Interop;

/// <summary>
/// A FLIP node (<c>flip-research client --app …</c>) joins real Flower 1.27.0 apps over the Fleet API (grpc-rere), beside
/// Python SuperNodes, through its app contract: the shared W1 U-Net app with PyTorch nodes (stock float64 counters, and
/// <c>restore-dtypes</c>), the harness's stock numpy tinyapp (a model the node does not train: a clean failure whose reason
/// names the mismatch) and this repository's slimunet app (other key names, FedAvg weighted by <c>samples</c>).
/// </summary>
/// <remarks>
/// The Flower side runs through the harness's own scripts (<c>run_local.sh</c> of the U-Net app, <c>fleet/run_fleet.sh</c>),
/// which start the SuperLink and SuperNodes with <c>setsid timeout</c> and stop them by the PIDs they recorded. Ports:
/// PORT_BASE 19430–19469 (this helper's range; the legacy and serve interop tests use others).
/// </remarks>
public sealed class FleetAppInteropTests
{
    private const string PythonNode = "pytorch";

    [FlowerFact]
    public async Task UNet_app_with_two_PyTorch_nodes_and_a_FLIP_node_learns_for_three_rounds_with_stock_float64_counters()
    {
        // Given: the U-Net app (stock FedAvg: counters come back as float64 from round 2), 2 PyTorch SuperNodes + our node
        using var out_ = new TempFolder();
        int portBase = 19430;
        using NodeProcess node = StartNode(portBase + 2, out_.Path, "--app", "flower-unetapp", "--site", "site-2");

        // When
        Script run = await RunAsync(Path.Combine(FlowerHarness.UNetApp, "run_local.sh"), [out_.Path],
            new() { ["ROUNDS"] = "3", ["NODES"] = "2", ["EXTERNAL_NODES"] = "1", ["PORT_BASE"] = $"{portBase}", ["RUN_TIMEOUT"] = "500" });

        // Then
        string why = $"run_local.sh:\n{run.Output}\nnode:\n{node.Output}";
        Assert.True(run.ExitCode == 0, why);
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_.Path, "summary.json")));
        JsonElement s = summary.RootElement;
        Assert.True(s.GetProperty("contract_ok").GetBoolean(), why);
        Assert.Equal(3, s.GetProperty("rounds_completed").GetInt32());
        JsonElement trend = s.GetProperty("trend");
        Assert.True(trend.GetProperty("train_loss_decreasing").GetBoolean(), why);
        Assert.True(trend.GetProperty("eval_loss_decreasing").GetBoolean(), why);
        Assert.True(trend.GetProperty("dice_increasing").GetBoolean(), why);
        AssertOurNodeHonoursBatch(s, batch: 4, rounds: 3, why);
        // From round 2 on, stock FedAvg sent the 14 num_batches_tracked counters as float64, and our node took them.
        Assert.Equal(14, s.GetProperty("per_round")[1].GetProperty("sent_dtypes").GetProperty("float64").GetInt32());
        Assert.Contains("round 3: evaluating done", node.Output);
        Assert.DoesNotContain("error:", node.Output);
    }

    [FlowerFact]
    public async Task UNet_app_with_restored_int64_counters_and_another_batch_size_gets_that_batch_as_the_FLIP_nodes_example_count()
    {
        // Given: restore-dtypes=true (the aggregate keeps int64 counters) and batch 2 instead of the app's default 4
        using var out_ = new TempFolder();
        int portBase = 19440;
        using NodeProcess node = StartNode(portBase + 2, out_.Path, "--app", "flower-unetapp", "--site", "site-2");

        // When
        Script run = await RunAsync(Path.Combine(FlowerHarness.UNetApp, "run_local.sh"),
            [out_.Path, "--", "--run-config", "restore-dtypes=true", "--run-config", "batch=2"],
            new() { ["ROUNDS"] = "2", ["NODES"] = "2", ["EXTERNAL_NODES"] = "1", ["PORT_BASE"] = $"{portBase}", ["RUN_TIMEOUT"] = "500" });

        // Then
        string why = $"run_local.sh:\n{run.Output}\nnode:\n{node.Output}";
        Assert.True(run.ExitCode == 0, why);
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_.Path, "summary.json")));
        JsonElement s = summary.RootElement;
        Assert.True(s.GetProperty("contract_ok").GetBoolean(), why);
        Assert.Equal(2, s.GetProperty("rounds_completed").GetInt32());
        Assert.False(s.GetProperty("per_round")[1].GetProperty("sent_dtypes").TryGetProperty("float64", out _), why);
        AssertOurNodeHonoursBatch(s, batch: 2, rounds: 2, why);
    }

    [FlowerFact]
    public async Task Stock_numpy_app_fails_cleanly_with_a_reason_naming_the_model_mismatch_in_the_ServerApp_log_and_the_node_log()
    {
        // Given: the harness's tinyapp (stock FedAvg over one float32 2x2 array "w"), 1 Python SuperNode + our node (FLIP's contract)
        using var out_ = new TempFolder();
        int portBase = 19450;
        using NodeProcess node = StartNode(portBase + 2, out_.Path, "--site", "site-2");

        // When
        Script run = await RunAsync(Path.Combine(FlowerHarness.Home, "fleet", "run_fleet.sh"), [Path.Combine(FlowerHarness.Home, "fleet", "tinyapp"), out_.Path],
            new() { ["ROUNDS"] = "1", ["NODES"] = "1", ["EXTERNAL_NODES"] = "1", ["PORT_BASE"] = $"{portBase}", ["RUN_TIMEOUT"] = "300" });
        await WaitForAsync(() => node.Output.Contains("evaluate instruction", StringComparison.Ordinal));

        // Then: the run failed (submit_run exit 1), the ServerApp's log carries our reason, and the node's log the full exception
        string serverLog = File.ReadAllText(Path.Combine(out_.Path, "run.log"));
        string why = $"run_fleet.sh:\n{run.Output}\nrun.log:\n{serverLog}\nnode:\n{node.Output}";
        Assert.True(run.ExitCode == 1, why);
        Assert.Contains("finished: failed", run.Output);
        const string reason = "<class 'AppContractException'>:<'model mismatch: the app sent 1 array(s), app contract 'flip' expects unet2d (92 arrays); not in the model: w float32 [2,2]; missing: enc1.conv1.weight float32 [8,3,3,3]";
        Assert.Contains("Received error in reply from node", serverLog);
        Assert.Contains(reason, serverLog);
        Assert.Contains("\"error\": \"2: " + reason, serverLog);
        Assert.Contains("error: The app failed on train instruction", node.Output);
        Assert.Contains("Flip.Flower.Apps.AppContractException: model mismatch: the app sent 1 array(s)", node.Output);
        Assert.Contains("   at Flip.Flower.Fleet.SiteFlowerApp.", node.Output);
    }

    [FlowerFact]
    public async Task SlimUNet_app_with_other_key_names_runs_with_a_Python_node_and_a_FLIP_node_through_its_contract()
    {
        // Given: tests/flower-interop/slimunet (step_size, max_batches, minibatch; replies weighted by "samples")
        using var out_ = new TempFolder();
        int portBase = 19460;
        using NodeProcess node = StartNode(portBase + 2, out_.Path, "--app", "slim-unet", "--site", "site-3");

        // When
        Script run = await RunAsync(Path.Combine(FlowerHarness.Home, "fleet", "run_fleet.sh"), [SlimUNetApp, out_.Path],
            new() { ["ROUNDS"] = "2", ["NODES"] = "1", ["EXTERNAL_NODES"] = "1", ["PORT_BASE"] = $"{portBase}", ["RUN_TIMEOUT"] = "300" });

        // Then: completed; every reply of our node has exactly the app's keys, and samples = max_batches x minibatch = 12
        string serverLog = File.ReadAllText(Path.Combine(out_.Path, "run.log"));
        string why = $"run_fleet.sh:\n{run.Output}\nrun.log:\n{serverLog}\nnode:\n{node.Output}";
        Assert.True(run.ExitCode == 0, why);
        string line = serverLog.Split('\n').Single(l => l.StartsWith("SLIMUNET_SUMMARY ", StringComparison.Ordinal));
        using JsonDocument summary = JsonDocument.Parse(line["SLIMUNET_SUMMARY ".Length..]);
        JsonElement s = summary.RootElement;
        Assert.Equal(0, s.GetProperty("problems").GetArrayLength());
        Assert.Equal(2, s.GetProperty("rounds_completed").GetInt32());
        foreach (string round in new[] { "1", "2" })
        {
            JsonElement replies = s.GetProperty("replies").GetProperty(round);
            JsonElement train = replies.GetProperty("train").EnumerateArray().Single(r => !r.TryGetProperty("impl", out _));
            JsonElement evaluate = replies.GetProperty("evaluate").EnumerateArray().Single(r => !r.TryGetProperty("impl", out _));
            Assert.Equal(["objective", "samples", "steps_taken"], Keys(train.GetProperty("metrics")));
            Assert.Equal(["objective", "overlap", "overlap_soft", "samples"], Keys(evaluate.GetProperty("metrics")));
            Assert.Equal(12, train.GetProperty("metrics").GetProperty("samples").GetInt64());
            Assert.Equal(3, train.GetProperty("metrics").GetProperty("steps_taken").GetDouble());
            Assert.Single(replies.GetProperty("train").EnumerateArray(), r => r.TryGetProperty("impl", out _));
        }
    }

    private static string SlimUNetApp
    {
        get
        {
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "tests", "flower-interop", "slimunet");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException($"no tests/flower-interop/slimunet above {AppContext.BaseDirectory}.");
        }
    }

    // Our node: the reply without the PyTorch nodes' optional node-info record.
    private static void AssertOurNodeHonoursBatch(JsonElement summary, int batch, int rounds, string why)
    {
        int seen = 0;
        foreach (JsonElement round in summary.GetProperty("per_round").EnumerateArray())
        {
            JsonElement[] nodes = [.. round.GetProperty("nodes").EnumerateObject().Select(p => p.Value)];
            Assert.True(nodes.Length == 3, why);
            JsonElement ours = nodes.Single(n => !n.TryGetProperty("train-info", out _));
            Assert.Equal("ok", ours.GetProperty("contract").GetString());
            JsonElement train = ours.GetProperty("train").GetProperty("metrics");
            JsonElement evaluate = ours.GetProperty("evaluate").GetProperty("metrics");
            Assert.Equal(["num-examples", "train-loss"], Keys(train));
            Assert.Equal(["dice", "eval-loss", "num-examples"], Keys(evaluate));
            Assert.Equal(batch, train.GetProperty("num-examples").GetInt64());
            Assert.Equal(batch, evaluate.GetProperty("num-examples").GetInt64());
            Assert.All(nodes.Where(n => n.TryGetProperty("train-info", out _)), n =>
                Assert.StartsWith(PythonNode, n.GetProperty("train-info").GetProperty("node-info").GetProperty("impl").GetString()));
            seen++;
        }

        Assert.Equal(rounds, seen);
    }

    private static string[] Keys(JsonElement record) => [.. record.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    private static NodeProcess StartNode(int fleetPort, string folder, params string[] args) => NodeProcess.Start(
        ["client", "--server", $"http://127.0.0.1:{fleetPort}", "--key", Path.Combine(folder, "node-key.pem"), "--max-reconnect-seconds", "2", .. args]);

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(100);
        }
    }

    private sealed record Script(int ExitCode, string Output);

    // A harness script (bash) with Flower's environment; the script bounds and stops every process it starts.
    private static async Task<Script> RunAsync(string script, string[] args, Dictionary<string, string> environment)
    {
        ProcessStartInfo start = FlowerHarness.Start("bash", [script, .. args], Path.Combine(args[0], "flwr-home"));
        start.Environment["FLOWER_HARNESS"] = FlowerHarness.Home;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        var output = new StringBuilder();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        // A backstop against a hang, not a speed check.
        using var backstop = new CancellationTokenSource(TimeSpan.FromMinutes(12));
        try
        {
            await process.WaitForExitAsync(backstop.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{script} did not finish within twelve minutes; it was killed.");
        }

        output.Append(await stdout).Append(await stderr);
        return new Script(process.ExitCode, output.ToString());
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("flip-fleet-interop-").FullName;

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
