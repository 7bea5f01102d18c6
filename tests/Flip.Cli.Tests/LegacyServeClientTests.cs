using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Flip.Cli.Tests;

/// <summary><c>serve --transport legacy</c> and <c>client --transport legacy</c> as processes over loopback: Flower's FlowerService/Join stream.</summary>
public sealed class LegacyServeClientTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-legacy-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Process Start(params string[] args)
    {
        var start = CliProcess.StartInfo(args);

        return Process.Start(start)!;
    }

    private static Process Client(int port, string site) => Start("client", "--transport", "legacy", "--server", $"http://127.0.0.1:{port}", "--site", site,
        "--scale", "0.02", "--base-channels", "4", "--device", "cpu");

    [Fact]
    public async Task Two_legacy_clients_finish_two_rounds_after_a_dropped_client_is_replaced()
    {
        int port = CliProcess.FreePort();
        string output = Path.Combine(_folder, "run");
        using Process server = Start("serve", "--transport", "legacy", "--port", port.ToString(CultureInfo.InvariantCulture), "--rounds", "2",
            "--min-nodes", "2", "--base-channels", "4", "--wait-seconds", "300", "--out", output);
        var serverLines = new List<string>();
        var joined = new TaskCompletionSource();
        server.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (serverLines)
            {
                serverLines.Add(e.Data);
            }

            if (e.Data.Contains("legacy-1 joined", StringComparison.Ordinal))
            {
                joined.TrySetResult();
            }
        };
        server.BeginOutputReadLine();
        _ = server.StandardError.ReadToEndAsync();
        var clients = new List<Process>();
        try
        {
            // A first client joins and is killed before round 1: its slot is vacant, and the next client to join takes it (a reconnect).
            using (Process dropped = Client(port, "site-3"))
            {
                _ = dropped.StandardOutput.ReadToEndAsync();
                _ = dropped.StandardError.ReadToEndAsync();
                await joined.Task.WaitAsync(TimeSpan.FromMinutes(3));
                dropped.Kill(entireProcessTree: true);
                await dropped.WaitForExitAsync();
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
            var clientOutputs = new List<Task<string>>();
            foreach (string site in new[] { "site-1", "site-2" })
            {
                Process client = Client(port, site);
                clientOutputs.Add(client.StandardOutput.ReadToEndAsync());
                _ = client.StandardError.ReadToEndAsync();
                clients.Add(client);
            }

            Assert.True(server.WaitForExit(TimeSpan.FromMinutes(10)), "serve did not finish within ten minutes");
            server.WaitForExit(); // the timed wait returns at exit; this one also waits for the last output lines to be read
            server.WaitForExit();
            string log;
            lock (serverLines)
            {
                log = string.Join('\n', serverLines);
            }

            Assert.True(server.ExitCode == 0, log);
            Assert.Contains("Legacy FlowerService listening on", log);
            Assert.Contains("legacy-1 reconnected from", log);
            Assert.Contains("legacy-2 joined from", log);
            Assert.Contains("round 1/2: 2 client(s) aggregated, 0 failed", log);
            Assert.Contains("round 2/2: 2 client(s) aggregated, 0 failed", log);
            string metrics = File.ReadAllText(Path.Combine(output, "metrics.csv"));
            Assert.Equal(4, metrics.Split('\n').Count(l => l.Contains(",test,dice,", StringComparison.Ordinal) && l.Contains(",legacy-", StringComparison.Ordinal)));
            Assert.True(File.Exists(Path.Combine(output, "final-model.safetensors")));

            // Each client was told to disconnect (reconnect_ins, 0 s) and stopped cleanly.
            foreach (var (client, text) in clients.Zip(clientOutputs))
            {
                Assert.True(client.WaitForExit(TimeSpan.FromMinutes(1)), "a client did not stop after the server's reconnect_ins");
                Assert.Equal(0, client.ExitCode);
                Assert.Contains("the server ended the session; client stopped.", await text);
            }
        }
        finally
        {
            foreach (Process client in clients)
            {
                if (!client.HasExited)
                {
                    client.Kill(entireProcessTree: true);
                }

                client.Dispose();
            }

            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task A_legacy_client_started_before_its_server_waits_for_it_and_finishes_the_run()
    {
        // Given a legacy client pointed at a port nobody serves yet (as Flower's start_client, it must wait, not exit)
        int port = CliProcess.FreePort();
        using NodeProcess client = NodeProcess.Start("client", "--transport", "legacy", "--server", $"http://127.0.0.1:{port}", "--site", "site-1",
            "--scale", "0.02", "--base-channels", "4", "--device", "cpu");
        Assert.True(await client.WaitForTextAsync("unreachable; reconnecting in", TimeSpan.FromMinutes(3)), client.Output);
        Assert.False(client.HasExited, client.Output);

        // When the server comes up on that port
        using NodeProcess server = NodeProcess.Start("serve", "--transport", "legacy", "--port", port.ToString(CultureInfo.InvariantCulture), "--rounds", "1",
            "--min-nodes", "1", "--base-channels", "4", "--wait-seconds", "300", "--out", Path.Combine(_folder, "late"));

        // Then the waiting client joins, the round aggregates it, and both exit 0
        Assert.True(await server.WaitAsync(TimeSpan.FromMinutes(5)), server.Output + client.Output);
        Assert.True(server.ExitCode == 0, server.Output + client.Output);
        Assert.Contains("round 1/1: 1 client(s) aggregated, 0 failed", server.Output);
        Assert.True(await client.WaitAsync(TimeSpan.FromMinutes(1)), client.Output);
        Assert.True(client.ExitCode == 0, client.Output);
        Assert.Contains("the server ended the session; client stopped.", client.Output);
    }
}
