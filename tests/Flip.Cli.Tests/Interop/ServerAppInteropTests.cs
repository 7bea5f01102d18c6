using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Flip.Cli.Tests.Interop;

/// <summary>
/// <c>flip-research serverapp</c> as the ServerApp of a real Flower 1.27.0 SuperLink started with
/// <c>--isolation process</c>: a run submitted through the Control API (as <c>flwr run</c>) is claimed over the ServerAppIo
/// API and driven by a FLIP strategy over two Python SuperNodes (the shared U-Net app's PyTorch ClientApp) and one FLIP
/// <c>client</c> node.
/// </summary>
public sealed class ServerAppInteropTests : IDisposable
{
    private static readonly TimeSpan Backstop = TimeSpan.FromMinutes(6);
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-serverapp-interop-").FullName;
    private readonly List<NodeProcess> _processes = [];

    public void Dispose()
    {
        // The nodes first, then the SuperLink (started first).
        for (int i = _processes.Count - 1; i >= 0; i--)
        {
            _processes[i].Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private static string P(int value) => value.ToString(CultureInfo.InvariantCulture);

    [FlowerFact]
    public Task FedAvg_as_the_SuperLinks_ServerApp_aggregates_two_PyTorch_SuperNodes_and_a_FLIP_node_for_three_rounds() => RunAsync("fedavg");

    [FlowerFact]
    public Task FedBN_as_the_SuperLinks_ServerApp_aggregates_two_PyTorch_SuperNodes_and_a_FLIP_node_for_three_rounds() => RunAsync("fedbn");

    [FlowerFact]
    public async Task Serverapp_pointed_at_the_Fleet_API_port_says_it_is_the_wrong_port_and_names_the_ServerAppIo_address()
    {
        // Given a SuperLink, and serverapp given its Fleet API port instead of its ServerAppIo port
        var (_, fleet, _) = StartSuperLink();

        // When
        using NodeProcess serverapp = NodeProcess.Start("serverapp", "--superlink", fleet, "--wait-seconds", "5");
        Assert.True(await serverapp.WaitAsync(Backstop), serverapp.Output);

        // Then
        Assert.Equal(5, serverapp.ExitCode); // ExitCodes.Network
        Assert.Contains($"{fleet} answers gRPC but is not a SuperLink's ServerAppIo API", serverapp.Output);
        Assert.Contains("--serverappio-api-address (default port 9091", serverapp.Output);
    }

    private async Task RunAsync(string strategy)
    {
        FlowerHarness.RequireTorch();

        // Given a SuperLink that leaves its ServerApp to an outside process, 2 PyTorch SuperNodes, a FLIP node and FLIP's serverapp
        string flwrHome = Path.Combine(_folder, "flwr-home");
        var (serverAppIo, fleet, control) = StartSuperLink();
        for (int i = 0; i < 2; i++)
        {
            _processes.Add(NodeProcess.Of(FlowerHarness.Start("flower-supernode",
                ["--insecure", "--superlink", fleet, "--clientappio-api-address", $"127.0.0.1:{P(CliProcess.FreePort())}",
                    "--node-config", $"partition-id={P(i)}", "--max-retries", "10"], flwrHome)));
        }

        NodeProcess flip = NodeProcess.Start("client", "--server", $"http://{fleet}", "--site", "site-1", "--scale", "0.02",
            "--base-channels", "16", "--device", "cpu", "--key", Path.Combine(_folder, "site-1.pem"));
        _processes.Add(flip);
        string run = Path.Combine(_folder, "run");
        NodeProcess serverapp = NodeProcess.Start("serverapp", "--superlink", serverAppIo, "--out", run, "--wait-seconds", "240");
        _processes.Add(serverapp);
        Assert.True(await serverapp.WaitForTextAsync("Waiting for a run", Backstop), serverapp.Output);

        // When a run of the U-Net app (its pyproject.toml extended with FLIP's keys) is submitted as flwr run does
        string app = UNetAppWithFlipKeys();
        NodeProcess submit = NodeProcess.Of(FlowerHarness.Start(FlowerHarness.Python,
            [Path.Combine(FlowerHarness.Home, "fleet", "submit_run.py"), app, "--control", control,
                "--run-config", $"strategy=\"{strategy}\"", "--run-config", "num-server-rounds=3", "--run-config", "min-nodes=3"], flwrHome));
        _processes.Add(submit);

        // Then the run finished 'completed' in the Control API's ListRuns, with FLIP's round lines in its log (PushLogs)
        Assert.True(await submit.WaitAsync(Backstop), submit.Output + serverapp.Output);
        Assert.True(await serverapp.WaitAsync(Backstop), serverapp.Output);
        string why = $"submit_run:\n{submit.Output}\nserverapp:\n{serverapp.Output}\nflip node:\n{flip.Output}";
        Assert.True(submit.ExitCode == 0, why);
        Assert.Matches(@"run \d+ finished: completed", submit.Output);
        Assert.True(serverapp.ExitCode == 0, why);
        for (int round = 1; round <= 3; round++)
        {
            string line = $"round {P(round)}/3: 3 node(s) aggregated, 0 failed";
            Assert.True(serverapp.Output.Contains(line, StringComparison.Ordinal), why);
            Assert.True(submit.Output.Contains(line, StringComparison.Ordinal), why);
        }

        // The run folder is serve's: run.json with the strategy, metrics of every node each round, report.html with every node
        Assert.Contains($"\"strategy\": \"{strategy}\"", File.ReadAllText(Path.Combine(run, "run.json")));
        string[] rows = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        string[] nodes = [.. rows.Skip(1).Select(r => r.Split(',')[1]).Where(s => s.StartsWith("node-", StringComparison.Ordinal)).Distinct()];
        Assert.Equal(3, nodes.Length);
        string report = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.All(nodes, node =>
        {
            for (int round = 1; round <= 3; round++)
            {
                Assert.Contains(rows, r => r.StartsWith($"{P(round)},{node},test,", StringComparison.Ordinal));
            }

            Assert.Contains(node, report);
        });
        Assert.True(File.Exists(Path.Combine(run, "final-model.safetensors")));
        Assert.Contains("round 3: evaluating done", flip.Output);
    }

    /// <summary>Starts <c>flower-superlink --isolation process</c> on free ports; returns its ServerAppIo, Fleet and Control addresses once they listen.</summary>
    private (string ServerAppIo, string Fleet, string Control) StartSuperLink()
    {
        string serverAppIo = $"127.0.0.1:{P(CliProcess.FreePort())}", fleet = $"127.0.0.1:{P(CliProcess.FreePort())}", control = $"127.0.0.1:{P(CliProcess.FreePort())}";
        _processes.Add(NodeProcess.Of(FlowerHarness.Start("flower-superlink",
            ["--insecure", "--isolation", "process", "--database", ":flwr-in-memory:", "--serverappio-api-address", serverAppIo,
                "--fleet-api-address", fleet, "--control-api-address", control], Path.Combine(_folder, "flwr-home"))));
        foreach (string address in new[] { serverAppIo, fleet, control })
        {
            WaitForPort(int.Parse(address.Split(':')[1], CultureInfo.InvariantCulture));
        }

        return (serverAppIo, fleet, control);
    }

    private static void WaitForPort(int port)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (watch.Elapsed < TimeSpan.FromMinutes(1))
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>A copy of the shared U-Net app whose run config also holds the keys FLIP's ServerApp reads (Flower refuses overrides of keys an app does not declare).</summary>
    private string UNetAppWithFlipKeys()
    {
        string app = Path.Combine(_folder, "unetapp-flip");
        foreach (string file in Directory.EnumerateFiles(FlowerHarness.UNetApp, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("__pycache__", StringComparison.Ordinal)))
        {
            string target = Path.Combine(app, Path.GetRelativePath(FlowerHarness.UNetApp, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        string pyproject = Path.Combine(app, "pyproject.toml");
        File.WriteAllText(pyproject, File.ReadAllText(pyproject).Replace("[tool.flwr.app.config]\n", "[tool.flwr.app.config]\nstrategy = \"fedavg\"\nbase-channels = 16\n", StringComparison.Ordinal));
        return app;
    }
}
