using Flip.Datasets.Synthetic;
using Flip.Federated.Runs;
using Flip.Federated.Simulations;

namespace Flip.Experiments.Tests;

[Collection("Torch")]
public sealed class ResumeTests : IDisposable
{
    private static readonly PreparedCohort Cohort = PreparedCohort.Prepare(SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.02, Seed = 3 }), seed: 3);
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-resume-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed class CancelAfter(int round, CancellationTokenSource source) : IProgress<RoundReport>
    {
        public void Report(RoundReport value)
        {
            if (value.Round == round)
            {
                source.Cancel();
            }
        }
    }

    [Theory]
    [InlineData("fedbn")]
    [InlineData("fedavg")]
    public async Task A_run_stopped_after_round_1_and_resumed_equals_an_uninterrupted_run(string strategy)
    {
        var options = new ExperimentOptions { Rounds = 3, Seed = 5, BaseChannels = 4, Device = "cpu" };
        string whole = Path.Combine(_folder, "whole");
        string stopped = Path.Combine(_folder, "stopped");
        var log = new ListLogger();
        ExperimentResult reference = await Experiment.SimulateAsync(Cohort, strategy, options with { RunFolder = whole }, logger: log);
        Assert.True(reference.Run.Failures.Count == 0, string.Join("; ", reference.Run.Failures) + Environment.NewLine + log);

        using var cancel = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Experiment.SimulateAsync(Cohort, strategy, options with { RunFolder = stopped }, new CancelAfter(1, cancel), log, cancel.Token));
        Assert.Equal(1, RunStore.Open(stopped).LastFinishedRound);
        ExperimentResult resumed = await Experiment.SimulateAsync(Cohort, strategy, options with { RunFolder = stopped, Resume = true }, logger: log);
        Assert.True(resumed.Run.Failures.Count == 0, string.Join("; ", resumed.Run.Failures) + Environment.NewLine + log);

        string expected = File.ReadAllText(Path.Combine(whole, RunStore.MetricsFileName));
        string actual = File.ReadAllText(Path.Combine(stopped, RunStore.MetricsFileName));
        Assert.True(expected == actual, $"metrics differ at character {expected.Zip(actual).TakeWhile(p => p.First == p.Second).Count()}; site warnings:{Environment.NewLine}{log}");
    }

    [Fact]
    public async Task A_crash_before_a_round_commit_finishes_trains_that_round_again()
    {
        var options = new ExperimentOptions { Rounds = 3, Seed = 5, BaseChannels = 4, Device = "cpu" };
        string whole = Path.Combine(_folder, "whole");
        string stopped = Path.Combine(_folder, "stopped");
        var log = new ListLogger();
        ExperimentResult reference = await Experiment.SimulateAsync(Cohort, "fedbn", options with { RunFolder = whole }, logger: log);
        Assert.True(reference.Run.Failures.Count == 0, string.Join("; ", reference.Run.Failures) + Environment.NewLine + log);
        using var cancel = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Experiment.SimulateAsync(Cohort, "fedbn", options with { RunFolder = stopped }, new CancelAfter(2, cancel), log, cancel.Token));

        // As if killed while round 2 was being committed: its checkpoint, site state and metrics
        // are on disk, but progress.json still names round 1, so round 2 must be trained again.
        File.WriteAllText(Path.Combine(stopped, RunStore.ProgressFileName), "{\"last-finished-round\": 1}\n");

        ExperimentResult resumed = await Experiment.SimulateAsync(Cohort, "fedbn", options with { RunFolder = stopped, Resume = true }, logger: log);
        Assert.True(resumed.Run.Failures.Count == 0, string.Join("; ", resumed.Run.Failures) + Environment.NewLine + log);

        string expected = File.ReadAllText(Path.Combine(whole, RunStore.MetricsFileName));
        string actual = File.ReadAllText(Path.Combine(stopped, RunStore.MetricsFileName));
        Assert.True(expected == actual, $"metrics differ at character {expected.Zip(actual).TakeWhile(p => p.First == p.Second).Count()}; site warnings:{Environment.NewLine}{log}");
    }
}
