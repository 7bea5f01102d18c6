using static Flip.Cli.Tests.Interop.FlowerDeployment;

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
    private readonly FlowerDeployment _flower = new();

    public void Dispose() => _flower.Dispose();

    [FlowerFact]
    public Task FedAvg_as_the_SuperLinks_ServerApp_aggregates_two_PyTorch_SuperNodes_and_a_FLIP_node_for_three_rounds() => RunAsync("fedavg");

    [FlowerFact]
    public Task FedBN_as_the_SuperLinks_ServerApp_aggregates_two_PyTorch_SuperNodes_and_a_FLIP_node_for_three_rounds() => RunAsync("fedbn");

    [FlowerFact]
    public async Task Serverapp_pointed_at_the_Fleet_API_port_says_it_is_the_wrong_port_and_names_the_ServerAppIo_address()
    {
        // Given a SuperLink, and serverapp given its Fleet API port instead of its ServerAppIo port
        var (_, fleet, _) = _flower.StartSuperLink(isolationProcess: true);

        // When
        NodeProcess serverapp = _flower.Add(NodeProcess.Start("serverapp", "--superlink", fleet, "--wait-seconds", "5"));
        Assert.True(await serverapp.WaitAsync(Backstop), serverapp.Output);

        // Then
        Assert.Equal(5, serverapp.ExitCode); // ExitCodes.Network
        Assert.Contains($"{fleet} answers gRPC but is not a SuperLink's ServerAppIo API", serverapp.Output);
        Assert.Contains("--serverappio-api-address (default port 9091", serverapp.Output);
    }

    [FlowerFact]
    public async Task A_killed_serverapp_leaves_no_heartbeat_so_the_SuperLink_marks_the_run_failed_and_no_new_serverapp_can_resume_it()
    {
        // Given a run claimed by serverapp, which waits for 2 nodes that never come
        var (serverAppIo, _, control) = _flower.StartSuperLink(isolationProcess: true);
        NodeProcess serverapp = _flower.Add(NodeProcess.Start("serverapp", "--superlink", serverAppIo, "--out", Path.Combine(_flower.Folder, "run"), "--wait-seconds", "240"));
        Assert.True(await serverapp.WaitForTextAsync("Waiting for a run", Backstop), serverapp.Output);
        NodeProcess submit = _flower.Submit(_flower.UNetAppWithFlipKeys(), control, "num-server-rounds=1", "min-nodes=2");
        Assert.True(await serverapp.WaitForTextAsync("waiting for 2 node(s)", Backstop), serverapp.Output + submit.Output);

        // When the process is killed (no chance to set the run's status)
        serverapp.Kill();

        // Then the SuperLink, missing its app heartbeats, marks the run failed (Flower 1.27: after 2 x 30 s), as ListRuns shows
        Assert.True(await submit.WaitAsync(Backstop), submit.Output);
        Assert.True(submit.ExitCode == 1, submit.Output);
        Assert.Contains("finished: failed (No heartbeat received from the run.)", submit.Output);

        // And the run is not handed to a new ServerApp process: Flower does not resume it
        NodeProcess second = _flower.Add(NodeProcess.Start("serverapp", "--superlink", serverAppIo, "--wait-seconds", "3"));
        Assert.True(await second.WaitAsync(Backstop), second.Output);
        Assert.Equal(6, second.ExitCode); // ExitCodes.RunFailed
        Assert.Contains("no run was waiting on the SuperLink", second.Output);
    }

    private async Task RunAsync(string strategy)
    {
        FlowerHarness.RequireTorch();

        // Given a SuperLink that leaves its ServerApp to an outside process, 2 PyTorch SuperNodes, a FLIP node and FLIP's serverapp
        var (serverAppIo, fleet, control) = _flower.StartSuperLink(isolationProcess: true);
        _flower.StartSuperNode(fleet, 0, isolationProcess: false);
        _flower.StartSuperNode(fleet, 1, isolationProcess: false);
        NodeProcess flip = _flower.Add(NodeProcess.Start("client", "--server", $"http://{fleet}", "--site", "site-1", "--scale", "0.02",
            "--base-channels", "16", "--device", "cpu", "--key", Path.Combine(_flower.Folder, "site-1.pem")));
        string run = Path.Combine(_flower.Folder, "run");
        NodeProcess serverapp = _flower.Add(NodeProcess.Start("serverapp", "--superlink", serverAppIo, "--out", run, "--wait-seconds", "240"));
        Assert.True(await serverapp.WaitForTextAsync("Waiting for a run", Backstop), serverapp.Output);

        // When a run of the U-Net app (its pyproject.toml extended with FLIP's keys) is submitted as flwr run does
        NodeProcess submit = _flower.Submit(_flower.UNetAppWithFlipKeys(), control, $"strategy=\"{strategy}\"", "num-server-rounds=3", "min-nodes=3");

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
}
