using System.Globalization;

namespace Flip.Cli.Tests;

/// <summary>serve --secure-aggregation and three flip-research client processes over loopback gRPC: SecAgg+ on the wire.</summary>
public sealed class SecureAggregationServeClientTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-secagg-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Three_hospital_nodes_train_two_secure_rounds_without_failures_with_or_without_requiring_it()
    {
        // Given: the three nodes' keys in one file (the server's allow-list and, for site-1 and site-3, their list of secure aggregation peers,
        // issue #21 finding 9), a server asked for secure aggregation, and three client nodes (the third one insists on secure aggregation)
        string peers = Path.Combine(_folder, "node-keys.pem");
        foreach (string site in new[] { "site-1", "site-2", "site-3" })
        {
            CliProcess.Result export = CliProcess.Run("client", "--key", Path.Combine(_folder, site + ".pem"), "--export-public-key");
            Assert.True(export.ExitCode == 0, export.All);
            File.AppendAllText(peers, export.Output);
        }

        string port = CliProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        string output = Path.Combine(_folder, "run");
        using var server = NodeProcess.Start("serve", "--secure-aggregation", "--secagg-neighbours", "2", "--secagg-threshold", "0.7", "--port", port, "--rounds", "2", "--min-nodes", "3", "--base-channels", "4",
            "--wait-seconds", "300", "--out", output, "--authorized-keys", peers);
        var clients = new List<NodeProcess>();
        try
        {
            foreach (string site in new[] { "site-1", "site-2", "site-3" })
            {
                string[] args = ["client", "--server", $"http://127.0.0.1:{port}", "--site", site, "--scale", "0.02", "--base-channels", "4",
                    "--key", Path.Combine(_folder, site + ".pem"), "--device", "cpu"];
                string[] checks = site == "site-2" ? [] : ["--secagg-peers", peers];
                clients.Add(NodeProcess.Start(site == "site-3" ? [.. args, .. checks, "--require-secure-aggregation"] : [.. args, .. checks]));
            }

            // When
            Assert.True(await server.WaitAsync(TimeSpan.FromMinutes(15)),
                $"serve did not finish within fifteen minutes; it printed:\n{server.Output}\nthe nodes printed:\n{string.Join("\n", clients.Select(c => c.Output))}");

            // Then: both rounds unmasked the sum of all three nodes' updates, and nothing failed
            string log = server.Output;
            Assert.True(server.ExitCode == 0, log);
            Assert.Contains("Secure aggregation (SecAgg+): the nodes send masked updates; this server learns only their sum.", log);
            Assert.Contains("Secure aggregation settings: 2 neighbours per node, unmasking needs 0.7 of a node's share holders.", log);
            Assert.Contains("round 1/2: 3 node(s) aggregated, 0 failed", log);
            Assert.Contains("round 2/2: 3 node(s) aggregated, 0 failed", log);
            Assert.Contains("Round 1: secure aggregation of 3 node(s), 0 dropped after sharing keys;", log);
            Assert.Contains("Round 2: secure aggregation of 3 node(s), 0 dropped after sharing keys;", log);
            Assert.DoesNotContain("dropped out", log);

            // ... every node went through the four stages each round and trained only while masking
            Assert.Contains("the model update leaves only masked (secure aggregation required)", clients[2].Output);
            Assert.Contains($"secure aggregation neighbours must sign with one of the 3 node key(s) in {peers}.", clients[0].Output);
            Assert.DoesNotContain("secure aggregation neighbours must sign", clients[1].Output);
            foreach (NodeProcess client in clients)
            {
                foreach (string stage in new[] { "secure aggregation: setup", "secure aggregation: share_keys", "training (secure aggregation: masking the update)", "secure aggregation: unmask" })
                {
                    Assert.Contains($"round 1: {stage} done", client.Output);
                    Assert.Contains($"round 2: {stage} done", client.Output);
                }
            }

            // ... and the run folder is a normal serve run: strategy, per-node metrics, no failures, a final model
            string runJson = File.ReadAllText(Path.Combine(output, "run.json"));
            Assert.Contains("\"fedavg-secagg\"", runJson);
            Assert.Contains("\"secagg-neighbours\": \"2\"", runJson);
            Assert.Contains("\"secagg-threshold\": \"0.7\"", runJson);
            string metrics = File.ReadAllText(Path.Combine(output, "metrics.csv"));
            Assert.Equal(6, metrics.Split('\n').Count(l => l.Contains(",test,dice,", StringComparison.Ordinal) && l.Contains(",node-", StringComparison.Ordinal)));
            Assert.Equal(6, metrics.Split('\n').Count(l => l.Contains(",train,loss,", StringComparison.Ordinal) && l.Contains(",node-", StringComparison.Ordinal)));
            Assert.Contains("1,server,round,sites-failed,0", metrics);
            Assert.Contains("2,server,round,sites-aggregated,3", metrics);
            string[] failures = File.ReadAllLines(Path.Combine(output, "failures.csv"));
            Assert.Equal(["round,site,step,category,reason"], failures);
            Assert.True(File.Exists(Path.Combine(output, "final-model.safetensors")));
        }
        finally
        {
            foreach (NodeProcess client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(new[] { "--transport", "legacy" }, "error: --secure-aggregation needs the Fleet API: the legacy transport's fit results carry each update in the clear.")]
    [InlineData(new[] { "--strategy", "krum" }, "error: --secure-aggregation runs FedAvg, but --strategy is krum.")]
    public void Secure_aggregation_is_refused_where_it_cannot_run(string[] extra, string expected)
    {
        CliProcess.Result result = CliProcess.Run(["serve", "--secure-aggregation", "--port", CliProcess.FreePort().ToString(CultureInfo.InvariantCulture), "--out", Path.Combine(_folder, "refused"), .. extra]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(expected + " Fix: ", result.All.TrimStart(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder, "refused")));
    }
}
