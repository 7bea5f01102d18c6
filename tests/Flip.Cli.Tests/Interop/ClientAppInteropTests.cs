using System.Text.Json;
using static Flip.Cli.Tests.Interop.FlowerDeployment;

namespace Flip.Cli.Tests.Interop;

/// <summary>
/// <c>flip-research clientapp</c> as the ClientApp of a real Flower 1.27.0 SuperNode started with <c>--isolation process</c>:
/// the hospital keeps Flower's SuperNode, and FLIP's process answers its messages over the ClientAppIo API.
/// </summary>
public sealed class ClientAppInteropTests : IDisposable
{
    private static readonly TimeSpan Backstop = TimeSpan.FromMinutes(6);
    private readonly FlowerDeployment _flower = new();

    public void Dispose() => _flower.Dispose();

    [FlowerFact]
    public async Task The_UNet_apps_Python_ServerApp_runs_three_rounds_with_a_PyTorch_SuperNode_and_a_SuperNode_whose_ClientApp_is_flip_clientapp()
    {
        FlowerHarness.RequireTorch();

        // Given a SuperLink running the U-Net app's own ServerApp (stock FedAvg), a PyTorch SuperNode, and a SuperNode whose ClientApp is FLIP's
        var (_, fleet, control) = _flower.StartSuperLink(isolationProcess: false);
        _flower.StartSuperNode(fleet, 0, isolationProcess: false);
        string clientAppIo = _flower.StartSuperNode(fleet, 1, isolationProcess: true);
        NodeProcess clientapp = _flower.Add(NodeProcess.Start("clientapp", "--supernode", clientAppIo, "--site", "site-1", "--scale", "0.02", "--app", "flower-unetapp", "--device", "cpu"));

        // When the app runs for 3 rounds
        string summaryPath = Path.Combine(_flower.Folder, "summary.json");
        NodeProcess submit = _flower.Submit(FlowerHarness.UNetApp, control, "num-server-rounds=3", "min-nodes=2", $"summary-path=\"{summaryPath}\"");

        // Then the run completed, every reply honoured the app's array contract, and FLIP's node answered each round
        Assert.True(await submit.WaitAsync(Backstop), submit.Output + clientapp.Output);
        string why = $"submit_run:\n{submit.Output}\nclientapp:\n{clientapp.Output}";
        Assert.True(submit.ExitCode == 0, why);
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        JsonElement s = summary.RootElement;
        Assert.True(s.GetProperty("contract_ok").GetBoolean(), why);
        Assert.Equal(3, s.GetProperty("rounds_completed").GetInt32());
        foreach (JsonElement round in s.GetProperty("per_round").EnumerateArray())
        {
            JsonElement[] nodes = [.. round.GetProperty("nodes").EnumerateObject().Select(p => p.Value)];
            Assert.Equal(2, nodes.Length);
            // FLIP's node: no PyTorch node-info record; its replies carry exactly the app's metric keys
            JsonElement ours = nodes.Single(n => !n.TryGetProperty("train-info", out _));
            Assert.Equal("ok", ours.GetProperty("contract").GetString());
            Assert.Equal(["num-examples", "train-loss"], ours.GetProperty("train").GetProperty("metrics").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        }

        Assert.Contains("Replied to", clientapp.Output);
        Assert.Contains("round 3: evaluating done", clientapp.Output);
    }

    [FlowerFact]
    public async Task A_killed_clientapp_is_dropped_at_the_round_deadline_and_the_round_finishes_with_the_other_node()
    {
        FlowerHarness.RequireTorch();

        // Given FLIP's serverapp on a SuperLink (round deadline 30 s), a PyTorch SuperNode and a SuperNode whose ClientApp is flip-research clientapp
        var (serverAppIo, fleet, control) = _flower.StartSuperLink(isolationProcess: true);
        _flower.StartSuperNode(fleet, 0, isolationProcess: false);
        string clientAppIo = _flower.StartSuperNode(fleet, 1, isolationProcess: true);
        NodeProcess clientapp = _flower.Add(NodeProcess.Start("clientapp", "--supernode", clientAppIo, "--site", "site-1", "--scale", "0.02", "--base-channels", "16", "--device", "cpu"));
        NodeProcess serverapp = _flower.Add(NodeProcess.Start("serverapp", "--superlink", serverAppIo, "--out", Path.Combine(_flower.Folder, "run"), "--wait-seconds", "240"));
        Assert.True(await serverapp.WaitForTextAsync("Waiting for a run", Backstop), serverapp.Output);
        NodeProcess submit = _flower.Submit(_flower.UNetAppWithFlipKeys(), control, "num-server-rounds=1", "min-nodes=2", "min-sites=1", "round-timeout=30");

        // When FLIP's ClientApp process is killed while it holds the train message
        Assert.True(await clientapp.WaitForTextAsync("Received train message", Backstop), clientapp.Output + serverapp.Output);
        clientapp.Kill();

        // Then the round aggregates the PyTorch node's update and records the other node as timed out, in train and evaluate,
        // and the run completes. (Flower 1.27.0's SuperNode does not deliver its "ClientApp stopped responding" reply: sending
        // it fails with "Start time or end time for message ID … is missing", as its log shows; so the deadline decides.)
        Assert.True(await submit.WaitAsync(Backstop), submit.Output + serverapp.Output);
        string why = $"submit_run:\n{submit.Output}\nserverapp:\n{serverapp.Output}";
        Assert.True(submit.ExitCode == 0, why);
        Assert.True(serverapp.Output.Contains("round 1/1: 1 node(s) aggregated, 2 failed", StringComparison.Ordinal), why);
        Assert.True(serverapp.Output.Contains(" train (timeout: no reply before the round deadline)", StringComparison.Ordinal), why);
        Assert.True(serverapp.Output.Contains(" evaluate (timeout: no reply before the round deadline)", StringComparison.Ordinal), why);
    }
}
