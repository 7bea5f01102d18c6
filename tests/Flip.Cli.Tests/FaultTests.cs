using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Flip.Cli.Tests;

/// <summary>Faults survived with real processes over loopback gRPC: a hospital node killed (SIGKILL) mid-training, and the server killed and resumed mid-run.</summary>
public sealed class FaultTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-faults-").FullName;
    private readonly List<Running> _processes = [];

    public void Dispose()
    {
        foreach (Running p in _processes)
        {
            p.Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A flip-research process whose output is collected line by line.</summary>
    private sealed class Running : IDisposable
    {
        private readonly StringBuilder _output = new();

        public Running(params string[] args)
        {
            var start = CliProcess.StartInfo(args);
            Process = Process.Start(start)!;
            Process.OutputDataReceived += (_, e) => Append(e.Data);
            Process.ErrorDataReceived += (_, e) => Append(e.Data);
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public void WaitFor(string text, TimeSpan timeout)
        {
            var waited = Stopwatch.StartNew();
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                Assert.True(waited.Elapsed < timeout && !Process.HasExited, $"'{text}' did not appear; output so far:\n{Output}");
                Thread.Sleep(50);
            }
        }

        public void KillHard()
        {
            Process.Kill(entireProcessTree: true); // SIGKILL: no shutdown code runs
            Process.WaitForExit();
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }

    private Running Start(params string[] args)
    {
        var running = new Running(args);
        _processes.Add(running);
        return running;
    }

    private Running Client(int port, string site, string scale = "0.02") => Start("client", "--server", $"http://127.0.0.1:{port}", "--site", site, "--scale", scale, "--base-channels", "4",
        "--key", Path.Combine(_folder, site + ".pem"), "--device", "cpu", "--max-reconnect-seconds", "2");

    private static string P(int value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void A_node_killed_mid_training_is_dropped_after_the_deadline_recorded_and_rejoins_the_next_round()
    {
        // Given: a server that needs one site per round and waits 60 s for replies, and two hospital nodes
        // (the victim, site-1, holds its hospital at 4× the scale, so its round-1 training lasts seconds, not milliseconds)
        int port = CliProcess.FreePort();
        string run = Path.Combine(_folder, "run");
        Running server = Start("serve", "--port", P(port), "--rounds", "2", "--min-nodes", "2", "--min-sites", "1", "--round-timeout", "60",
            "--base-channels", "4", "--out", run);
        Running steady = Client(port, "site-2");
        Running victim = Client(port, "site-1", scale: "0.08");

        // When: site-1 is killed with SIGKILL as soon as it starts training in round 1, and restarted (same key) once the
        // server gave up on it
        victim.WaitFor("round 1: training", TimeSpan.FromMinutes(5));
        victim.KillHard();
        Assert.DoesNotContain("round 1: training done", victim.Output);
        steady.WaitFor("round 1: training done", TimeSpan.FromMinutes(5));
        server.WaitFor("dropped out of train (timeout: no reply before the round deadline)", TimeSpan.FromMinutes(5));
        Running restarted = Client(port, "site-1");

        // Then: round 1 aggregated the remaining node after the deadline and said who dropped; round 2 had both again
        Assert.True(server.Process.WaitForExit(TimeSpan.FromMinutes(8)), server.Output);
        server.Process.WaitForExit(); // the timed wait returns at exit; this one also waits for the last output lines to be read
        string log = server.Output;
        Assert.True(server.Process.ExitCode == 0, log);
        Assert.True(log.Contains("round 1/2: 1 node(s) aggregated,", StringComparison.Ordinal), log);
        Assert.True(log.Contains("train (timeout: no reply before the round deadline)", StringComparison.Ordinal), log);
        Assert.True(log.Contains("round 2/2: 2 node(s) aggregated, 0 failed", StringComparison.Ordinal), log);
        Assert.Contains("round 2: training done", restarted.Output);

        string[] failures = File.ReadAllLines(Path.Combine(run, "failures.csv"));
        Assert.Equal("round,site,step,category,reason", failures[0]);
        string dropped = Assert.Single(failures[1..], l => l.Contains(",train,timeout,", StringComparison.Ordinal)).Split(',')[1];
        Assert.StartsWith("1,node-", Assert.Single(failures[1..], l => l.Contains(",train,", StringComparison.Ordinal)));
        Assert.True(log.Contains($"{dropped} train (timeout", StringComparison.Ordinal), log);
        string metrics = File.ReadAllText(Path.Combine(run, "metrics.csv"));
        Assert.Contains($"\n2,{dropped},train,", metrics); // the restarted node trained in round 2
        Assert.DoesNotContain($"\n1,{dropped},train,", metrics);
        Assert.True(File.Exists(Path.Combine(run, "final-model.safetensors")));
    }

    [Fact]
    public void A_server_killed_after_round_1_resumes_from_its_checkpoint_and_the_same_nodes_reconnect_and_finish()
    {
        // Given: a server and two nodes; the server is killed with SIGKILL once round 1 is committed
        int port = CliProcess.FreePort();
        string run = Path.Combine(_folder, "run");
        Running first = Start("serve", "--port", P(port), "--rounds", "3", "--min-nodes", "2", "--base-channels", "4", "--round-timeout", "300", "--out", run);
        Running a = Client(port, "site-1");
        Running b = Client(port, "site-2");
        first.WaitFor("round 1/3:", TimeSpan.FromMinutes(5));
        Assert.Equal(1, LastFinishedRound(run));
        first.KillHard();

        // When: it is restarted with --resume on the same port; the node processes are not touched
        Running resumed = Start("serve", "--port", P(port), "--resume", run);

        // Then: rounds 2 and 3 run with both nodes, which reconnected with back-off; round 1 is not repeated
        Assert.True(resumed.Process.WaitForExit(TimeSpan.FromMinutes(8)), resumed.Output);
        resumed.Process.WaitForExit(); // and the last output lines
        string log = resumed.Output;
        Assert.True(resumed.Process.ExitCode == 0, log);
        Assert.DoesNotContain("round 1/3", log);
        Assert.Contains("round 2/3: 2 node(s) aggregated, 0 failed", log);
        Assert.Contains("round 3/3: 2 node(s) aggregated, 0 failed", log);
        Assert.Contains("unreachable; reconnecting in", a.Output + b.Output);
        Assert.False(a.Process.HasExited || b.Process.HasExited, "a node exited instead of reconnecting");
        Assert.Equal(3, LastFinishedRound(run));
        string[] rounds = [.. File.ReadAllLines(Path.Combine(run, "metrics.csv")).Skip(1).Where(l => l.Contains(",server,round,sites-aggregated,", StringComparison.Ordinal))];
        Assert.Equal(["1,server,round,sites-aggregated,2", "2,server,round,sites-aggregated,2", "3,server,round,sites-aggregated,2"], rounds);
        Assert.Empty(Directory.EnumerateFiles(run, "*.tmp", SearchOption.AllDirectories));
    }

    private static int LastFinishedRound(string runFolder)
    {
        using JsonDocument progress = JsonDocument.Parse(File.ReadAllText(Path.Combine(runFolder, "progress.json")));
        return progress.RootElement.GetProperty("last-finished-round").GetInt32();
    }
}
