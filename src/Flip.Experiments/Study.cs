using Flip.Federated.Simulations;
using Microsoft.Extensions.Logging;

namespace Flip.Experiments;

/// <summary>One run of a study: a strategy trained from one seed.</summary>
/// <param name="Strategy">The strategy's catalogue name.</param>
/// <param name="Seed">The seed of the model, the sampling and the sites.</param>
/// <param name="Result">What the run produced.</param>
public sealed record StudyRun(string Strategy, int Seed, ExperimentResult Result);

/// <summary>A finished round of one run of a study.</summary>
/// <param name="Strategy">The run's strategy.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Round">The round's report.</param>
public sealed record StudyProgress(string Strategy, int Seed, RoundReport Round);

/// <summary>
/// A study: strategies × seeds on one prepared cohort, each run in its own folder (resumed when
/// <see cref="ExperimentOptions.Resume"/> is set), one after the other. <c>simulate</c> and the notebooks' <c>Lab</c> both
/// run their strategies through it and only render what it returns.
/// </summary>
/// <example>
/// <code>
/// StudyResult study = await Study.RunAsync(cohort, ["fedavg", "fedbn"], options, seeds: [7, 8, 9]);
/// SeedDifference effect = study.Difference("fedavg", "fedbn", MetricNames.Auroc, worst: false);
/// </code>
/// </example>
public static class Study
{
    /// <summary>Runs every strategy from every seed (seeds outermost, so a study stopped early has whole seeds).</summary>
    /// <param name="cohort">The prepared cohort, shared by every run.</param>
    /// <param name="strategies">Names from <see cref="StrategyCatalog.Names"/>.</param>
    /// <param name="options">The runs' settings; the seed and the run folder are set per run.</param>
    /// <param name="seeds">The seeds; <see langword="null"/> for <paramref name="options"/>' one seed.</param>
    /// <param name="folder">
    /// The study's folder: a run is stored in <c>folder/strategy</c> (one seed) or <c>folder/strategy-seedN</c> (several);
    /// <see langword="null"/> keeps the runs in memory only.
    /// </param>
    /// <param name="progress">Receives every finished round of every run.</param>
    /// <param name="logger">Receives the runs' log lines.</param>
    /// <param name="ct">Stops between rounds.</param>
    /// <returns>Every run, in the order run.</returns>
    /// <exception cref="FlipException">A strategy name is unknown, or there is no strategy or seed.</exception>
    public static async Task<StudyResult> RunAsync(PreparedCohort cohort, IReadOnlyList<string> strategies, ExperimentOptions options,
        IReadOnlyList<int>? seeds = null, string? folder = null, IProgress<StudyProgress>? progress = null, ILogger? logger = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        ArgumentNullException.ThrowIfNull(strategies);
        ArgumentNullException.ThrowIfNull(options);
        seeds ??= [options.Seed];
        if (strategies.Count == 0 || seeds.Count == 0)
        {
            throw new FlipException($"a study needs at least one strategy and one seed (got {strategies.Count} and {seeds.Count}).", ExitCodes.BadCommandLine);
        }

        foreach (string name in strategies)
        {
            _ = StrategyCatalog.Create(name, options); // an unknown name fails before any run starts
        }

        var runs = new List<StudyRun>();
        foreach (int seed in seeds)
        {
            foreach (string strategy in strategies)
            {
                var run = options with { Seed = seed, RunFolder = folder is null ? null : RunFolder(folder, strategy, seed, seeds.Count > 1) };
                var rounds = progress is null ? null : new SynchronousProgress<RoundReport>(r => progress.Report(new StudyProgress(strategy, seed, r)));
                runs.Add(new StudyRun(strategy, seed, await Experiment.SimulateAsync(cohort, strategy, run, rounds, logger, ct).ConfigureAwait(false)));
            }
        }

        return new StudyResult(cohort, strategies, seeds, runs);
    }

    /// <summary>Where a study stores one run: <c>folder/strategy</c> with one seed, <c>folder/strategy-seedN</c> with several.</summary>
    /// <param name="folder">The study's folder.</param>
    /// <param name="strategy">The run's strategy.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="severalSeeds">Whether the study has more than one seed.</param>
    /// <returns>The run's folder.</returns>
    public static string RunFolder(string folder, string strategy, int seed, bool severalSeeds)
        => Path.Combine(folder, severalSeeds ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{strategy}-seed{seed}") : strategy);
}

/// <summary>What a <see cref="Study"/> produced: every run, and the comparisons and seed statistics over them.</summary>
public sealed class StudyResult
{
    internal StudyResult(PreparedCohort cohort, IReadOnlyList<string> strategies, IReadOnlyList<int> seeds, IReadOnlyList<StudyRun> runs)
    {
        Cohort = cohort;
        Strategies = strategies;
        Seeds = seeds;
        Runs = runs;
    }

    /// <summary>The cohort every run trained on.</summary>
    public PreparedCohort Cohort { get; }

    /// <summary>The strategies, in the order given.</summary>
    public IReadOnlyList<string> Strategies { get; }

    /// <summary>The seeds, in the order given.</summary>
    public IReadOnlyList<int> Seeds { get; }

    /// <summary>Every run, seeds outermost.</summary>
    public IReadOnlyList<StudyRun> Runs { get; }

    /// <summary>The runs of one seed, one per strategy in the strategies' order.</summary>
    /// <param name="seed">The seed; the first by default.</param>
    /// <returns>The results.</returns>
    public IReadOnlyList<ExperimentResult> Results(int? seed = null)
    {
        int chosen = seed ?? Seeds[0];
        return [.. Runs.Where(r => r.Seed == chosen).Select(r => r.Result)];
    }

    /// <summary>One strategy's runs, one per seed in the seeds' order.</summary>
    /// <param name="strategy">The strategy.</param>
    /// <returns>The results.</returns>
    public IReadOnlyList<ExperimentResult> Of(string strategy) => [.. Runs.Where(r => r.Strategy == strategy).Select(r => r.Result)];

    /// <summary>The per-hospital comparison of one seed's runs (tables, fairness, run health).</summary>
    /// <param name="seed">The seed; the first by default.</param>
    /// <returns>The comparison.</returns>
    public Comparison Comparison(int? seed = null) => Experiments.Comparison.Build(Results(seed), Cohort);

    /// <summary>
    /// The difference <paramref name="candidate"/> − <paramref name="baseline"/> of one figure at the last round, seed by
    /// seed (the two runs of a seed share it), with its mean and 95 % confidence interval across seeds.
    /// </summary>
    /// <param name="baseline">The baseline strategy.</param>
    /// <param name="candidate">The strategy compared with it.</param>
    /// <param name="metric">The metric, e.g. <c>auroc</c>.</param>
    /// <param name="worst">The worst hospital's value instead of the mean over hospitals.</param>
    /// <returns>The paired difference.</returns>
    /// <exception cref="ArgumentException">A strategy is not in the study.</exception>
    public SeedDifference Difference(string baseline, string candidate, string metric, bool worst = false)
    {
        foreach (string name in new[] { baseline, candidate })
        {
            if (!Strategies.Contains(name))
            {
                throw new ArgumentException($"the study has no strategy '{name}'; it ran {string.Join(", ", Strategies)}.");
            }
        }

        var b = new List<double>();
        var c = new List<double>();
        foreach (int seed in Seeds)
        {
            IReadOnlyList<FairnessRow> rows = Comparison(seed).Fairness(metric);
            double Figure(string strategy) => rows.FirstOrDefault(r => r.Strategy == strategy) is { } row ? (worst ? row.Worst : row.Mean) : double.NaN;
            b.Add(Figure(baseline));
            c.Add(Figure(candidate));
        }

        return SeedDifference.Of(worst ? $"worst hospital {metric}" : $"mean {metric} over hospitals", b, c);
    }
}
