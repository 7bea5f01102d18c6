using System.Diagnostics;
using System.Text.Json;

namespace Flip.Cli.Tests;

public sealed class ResumeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-resume-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static readonly string[] Settings = ["simulate", "--strategy", "fedbn", "fedavg", "--rounds", "3", "--scale", "0.02", "--seed", "5", "--device", "cpu"];

    private static int LastFinishedRound(string runFolder)
    {
        try
        {
            using JsonDocument progress = JsonDocument.Parse(File.ReadAllText(Path.Combine(runFolder, "progress.json")));
            return progress.RootElement.GetProperty("last-finished-round").GetInt32();
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return -1;
        }
    }

    [Fact]
    public void A_run_killed_mid_way_and_resumed_ends_with_the_same_metrics_as_an_uninterrupted_run()
    {
        // Given: an uninterrupted run
        string whole = Path.Combine(_folder, "whole");
        CliProcess.Result reference = CliProcess.Run([.. Settings, "--out", whole]);
        Assert.True(reference.ExitCode == 0, reference.All);

        // When: the same run is killed once FedBN has finished a round, then resumed
        string broken = Path.Combine(_folder, "broken");
        var start = CliProcess.StartInfo((string[])[.. Settings, "--out", broken]);

        using (Process running = Process.Start(start)!)
        {
            _ = running.StandardOutput.ReadToEndAsync();
            _ = running.StandardError.ReadToEndAsync();
            var waited = Stopwatch.StartNew();
            while (LastFinishedRound(Path.Combine(broken, "fedbn")) < 1 && !running.HasExited && waited.Elapsed < TimeSpan.FromMinutes(10))
            {
                Thread.Sleep(50);
            }

            Assert.False(running.HasExited, "the run finished before it could be killed");
            running.Kill(entireProcessTree: true);
            running.WaitForExit();
        }

        int killedAfter = LastFinishedRound(Path.Combine(broken, "fedbn"));
        Assert.InRange(killedAfter, 1, 2);
        Assert.False(File.Exists(Path.Combine(broken, "fedavg", "progress.json")) && LastFinishedRound(Path.Combine(broken, "fedavg")) == 3);
        CliProcess.Result resumed = CliProcess.Run("simulate", "--resume", broken);

        // Then
        Assert.True(resumed.ExitCode == 0, resumed.All);
        foreach (string strategy in new[] { "fedbn", "fedavg" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(whole, strategy, "metrics.csv")), File.ReadAllText(Path.Combine(broken, strategy, "metrics.csv")));
        }

        Assert.Equal(File.ReadAllText(Path.Combine(whole, "comparison.csv")), File.ReadAllText(Path.Combine(broken, "comparison.csv")));

        // No half-written file anywhere: no temporary file is left, and every checkpoint reads and matches its SHA-256.
        Assert.Empty(Directory.EnumerateFiles(broken, "*.tmp", SearchOption.AllDirectories));
        foreach (string checkpoint in Directory.EnumerateFiles(broken, "*.params", SearchOption.AllDirectories))
        {
            Flip.Federated.Runs.ParameterSetFile.Read(checkpoint);
        }

        foreach (string model in Directory.EnumerateFiles(broken, "*.safetensors", SearchOption.AllDirectories))
        {
            Flip.Learning.Checkpoints.SafetensorsFile.Read(model);
        }
    }

    [Fact]
    public void Resume_of_a_folder_that_is_not_a_simulate_run_says_what_it_expected()
    {
        CliProcess.Result result = CliProcess.Run("simulate", "--resume", _folder);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("has no simulate.json; expected a folder written by 'flip-research simulate'", result.All);
    }
}
