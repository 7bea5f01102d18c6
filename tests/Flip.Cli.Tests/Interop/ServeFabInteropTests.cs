using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Flip.Cli.Tests.Interop;

/// <summary>
/// A real Flower 1.27.0 SuperNode joining <c>flip-research serve</c>: it fetches the run's app bundle (GetFab), runs
/// flipapp (FLIP's node as a PyTorch ClientApp) and its updates are aggregated with a FLIP node's.
/// </summary>
public sealed partial class ServeFabInteropTests : IDisposable
{
    private static readonly TimeSpan Backstop = TimeSpan.FromMinutes(8);
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-fab-interop-").FullName;
    private readonly List<NodeProcess> _processes = [];

    public void Dispose()
    {
        foreach (NodeProcess process in _processes)
        {
            process.Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private static string P(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("fab_hash ([0-9a-f]{64})")]
    private static partial Regex FabHash();

    [FlowerFact]
    public async Task A_python_supernode_and_a_flip_node_under_serve_are_both_aggregated_for_three_rounds()
    {
        FlowerHarness.RequireTorch();

        // Given serve (3 rounds, 2 nodes) and its app bundle
        int port = CliProcess.FreePort();
        string run = Path.Combine(_folder, "run");
        string flwrHome = Path.Combine(_folder, "flwr-home");
        NodeProcess server = NodeProcess.Start("serve", "--port", P(port), "--rounds", "3", "--min-nodes", "2", "--base-channels", "4", "--out", run);
        _processes.Add(server);
        Assert.True(await server.WaitForTextAsync("Fleet API listening on", Backstop), server.Output);

        // When Flower's own SuperNode and a FLIP node join
        NodeProcess supernode = NodeProcess.Of(FlowerHarness.Start("flower-supernode",
            ["--insecure", "--superlink", $"127.0.0.1:{P(port)}", "--clientappio-api-address", $"127.0.0.1:{P(CliProcess.FreePort())}",
                "--node-config", "partition-id=1", "--max-retries", "10"], flwrHome));
        _processes.Add(supernode);
        NodeProcess flip = NodeProcess.Start("client", "--server", $"http://127.0.0.1:{P(port)}", "--site", "site-1", "--scale", "0.02",
            "--base-channels", "4", "--device", "cpu", "--key", Path.Combine(_folder, "site-1.pem"));
        _processes.Add(flip);

        // Then every round aggregated both nodes' updates, and serve exits 0
        Assert.True(await server.WaitAsync(Backstop), server.Output + supernode.Output);
        string log = server.Output;
        Assert.True(server.ExitCode == 0, log + supernode.Output);
        for (int round = 1; round <= 3; round++)
        {
            Assert.True(log.Contains($"round {P(round)}/3: 2 node(s) aggregated, 0 failed", StringComparison.Ordinal), log + supernode.Output);
        }

        // The SuperNode fetched the bundle serve announced (fab_hash = SHA-256 of the zip) and installed it
        string hash = FabHash().Match(log).Groups[1].Value;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(run, "flipapp.fab")))), hash);
        Assert.True(Directory.Exists(Path.Combine(flwrHome, "apps", $"flipresearch.flipapp.1.0.0.{hash[..8]}")), supernode.Output);
        Assert.Contains("Successfully installed flipapp", supernode.Output);

        // Both nodes' train and test metrics are in metrics.csv every round, under FLIP's metric names
        string[] rows = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        string[] nodes = [.. rows.Where(r => r.Contains(",train,loss,", StringComparison.Ordinal)).Select(r => r.Split(',')[1]).Distinct()];
        Assert.Equal(2, nodes.Length);
        foreach (string node in nodes)
        {
            Assert.Equal(3, rows.Count(r => r.Contains($",{node},train,loss,", StringComparison.Ordinal)));
            Assert.Equal(3, rows.Count(r => r.Contains($",{node},test,dice,", StringComparison.Ordinal)));
        }
    }
}
