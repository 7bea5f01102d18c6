using System.Text.Json;

namespace Flip.Cli.Tests;

/// <summary>simulate ends with where its time went and its peak resident memory, and keeps both in simulate.json.</summary>
public sealed class SimulatePhasesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-phases-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Simulate_prints_and_keeps_per_phase_times_each_site_s_training_per_round_and_peak_RSS()
    {
        string run = Path.Combine(_folder, "run");

        CliProcess.Result result = CliProcess.Run("simulate", "--scale", "0.005", "--rounds", "2", "--strategy", "fedavg", "--out", run);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("Where the time went", result.Output, StringComparison.Ordinal);
        foreach (string phase in new[] { "cohort", "preprocessing", "training", "site-1", "site-6", "evaluation", "report", "total" })
        {
            Assert.Matches($@"(?m)^\s*{phase}\s+\d+\.\d\s", result.Output);
        }

        Assert.Matches(@"per round: median of 2 \(", result.Output);
        Assert.Matches(@"peak resident memory \(VmHWM\): \d+ MB", result.Output);

        using JsonDocument settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "simulate.json")));
        JsonElement phases = settings.RootElement.GetProperty("phase-seconds");
        foreach (string phase in new[] { "cohort", "preprocessing", "training", "evaluation", "rounds", "report", "total" })
        {
            Assert.True(phases.GetProperty(phase).GetDouble() >= 0, phase);
        }

        Assert.Equal(6, phases.EnumerateObject().Count(p => p.Name.StartsWith("training-per-round-site-", StringComparison.Ordinal)));
        Assert.True(phases.GetProperty("training").GetDouble() > 0);
        Assert.True(phases.GetProperty("total").GetDouble() >= phases.GetProperty("rounds").GetDouble());
        Assert.True(settings.RootElement.GetProperty("peak-rss-megabytes").GetDouble() > 50, "a process that trained a U-Net holds more than 50 MB");
        Assert.Equal(2, settings.RootElement.GetProperty("rounds").GetInt32()); // the settings --resume reads are still there
        Assert.Contains("slices read from disk a batch at a time", result.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(run, ".slices")), "the run's working copy of its slices is deleted when it ends");
    }
}
