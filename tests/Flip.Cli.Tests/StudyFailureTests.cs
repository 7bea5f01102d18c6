using System.Globalization;

namespace Flip.Cli.Tests;

/// <summary><c>serve</c> says when a study failed: a run in which no round aggregated an update exits 7 with a one-line summary.</summary>
public sealed class StudyFailureTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-study-failed-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Serve_exits_study_failed_with_a_summary_when_no_round_aggregated_an_update()
    {
        // Given serve with a 4-channel U-Net and a node whose model has 8 channels: every train reply is an error
        int port = CliProcess.FreePort();
        string p = port.ToString(CultureInfo.InvariantCulture);
        using NodeProcess server = NodeProcess.Start("serve", "--port", p, "--rounds", "2", "--min-nodes", "1", "--min-sites", "1", "--base-channels", "4",
            "--round-timeout", "120", "--out", Path.Combine(_folder, "run"));
        Assert.True(await server.WaitForTextAsync("Fleet API listening on", TimeSpan.FromMinutes(5)), server.Output);
        using NodeProcess node = NodeProcess.Start("client", "--server", $"http://127.0.0.1:{p}", "--site", "site-1", "--scale", "0.02",
            "--base-channels", "8", "--device", "cpu", "--key", Path.Combine(_folder, "site-1.pem"));

        // When the run ends
        Assert.True(await server.WaitAsync(TimeSpan.FromMinutes(8)), server.Output);

        // Then serve exits 7 (not 0) and says in one line what failed
        Assert.True(server.ExitCode == ExitCodes.StudyFailed, server.Output);
        string summary = Assert.Single(server.Output.Split('\n'), l => l.StartsWith("Study failed: ", StringComparison.Ordinal));
        Assert.StartsWith("Study failed: 2 of 2 round(s) aggregated no update (round 1, 2), so the model was not trained there; ", summary);
        Assert.Contains("node failure(s), reasons in failures.csv and above.", summary);
    }
}
