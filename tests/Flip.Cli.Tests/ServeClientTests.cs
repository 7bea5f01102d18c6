using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Flip.Cli.Tests;

/// <summary>flip-research serve and two flip-research client processes over loopback gRPC.</summary>
public sealed class ServeClientTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-serve-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Two_hospital_nodes_join_the_server_and_train_two_rounds()
    {
        int port = CliProcess.FreePort();
        string output = Path.Combine(_folder, "run");
        using var server = NodeProcess.Start("serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--rounds", "2",
            "--min-nodes", "2", "--base-channels", "4", "--wait-seconds", "300", "--out", output);
        var clients = new List<NodeProcess>();
        try
        {
            foreach (string site in new[] { "site-1", "site-2" })
            {
                clients.Add(NodeProcess.Start("client", "--server", $"http://127.0.0.1:{port}", "--site", site, "--scale", "0.02", "--base-channels", "4",
                    "--key", Path.Combine(_folder, site + ".pem"), "--device", "cpu"));
            }

            Assert.True(await server.WaitAsync(TimeSpan.FromMinutes(10)),
                $"serve did not finish within ten minutes; it printed:\n{server.Output}\nthe nodes printed:\n{string.Join("\n", clients.Select(c => c.Output))}");
            string log = server.Output;
            Assert.True(server.ExitCode == 0, log);
            Assert.Contains("round 1/2: 2 node(s) aggregated, 0 failed", log);
            Assert.Contains("round 2/2: 2 node(s) aggregated, 0 failed", log);
            string metrics = File.ReadAllText(Path.Combine(output, "metrics.csv"));
            Assert.StartsWith("round,site,split,metric,value", metrics);
            Assert.Equal(4, metrics.Split('\n').Count(l => l.Contains(",test,dice,", StringComparison.Ordinal) && l.Contains(",node-", StringComparison.Ordinal)));
            Assert.True(File.Exists(Path.Combine(output, "final-model.safetensors")));
            // Each node kept its key, readable by its owner only.
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_folder, "site-1.pem")));
            }
        }
        finally
        {
            foreach (NodeProcess client in clients) client.Dispose();
        }
    }
}
