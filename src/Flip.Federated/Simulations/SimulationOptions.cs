using System.Globalization;

namespace Flip.Federated.Simulations;

/// <summary>How a simulation runs: rounds, seed, parallelism, injected failures, early stopping.</summary>
public sealed record SimulationOptions
{
    /// <summary>The number of rounds.</summary>
    /// <value>10.</value>
    public int Rounds { get; init; } = 10;

    /// <summary>The run seed; every round's and site's randomness is derived from it.</summary>
    /// <value>0.</value>
    public int Seed { get; init; }

    /// <summary>How many sites train or evaluate at the same time (the cores, or the GPUs, available).</summary>
    /// <value>1.</value>
    public int MaxParallelism { get; init; } = 1;

    /// <summary>The probability that a sampled site drops out of a round (does not answer at all).</summary>
    /// <value>0.</value>
    public double DropoutProbability { get; init; }

    /// <summary>The probability that a sampled site is a straggler in a round, answering <see cref="StragglerDelay"/> late.</summary>
    /// <value>0.</value>
    public double StragglerProbability { get; init; }

    /// <summary>How late a straggler answers (simulated, not waited for).</summary>
    /// <value>1 minute.</value>
    public TimeSpan StragglerDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the server waits for a site's training reply; a site that takes longer (or a straggler whose delay exceeds it) times out.</summary>
    /// <value><see langword="null"/>: no deadline.</value>
    public TimeSpan? SiteDeadline { get; init; }

    /// <summary>What happens when fewer sites answer than the strategy's <see cref="Strategies.Strategy.MinTrainSites"/>.</summary>
    /// <value><see cref="TooFewSitesPolicy.SkipRound"/>.</value>
    public TooFewSitesPolicy OnTooFewSites { get; init; } = TooFewSitesPolicy.SkipRound;

    /// <summary>Whether every site evaluates the initial model before round 1, recorded as round 0 (curves then start at the untrained model).</summary>
    /// <value><see langword="false"/>.</value>
    public bool EvaluateInitialModel { get; init; }

    /// <summary>When to stop before <see cref="Rounds"/>.</summary>
    /// <value><see langword="null"/>: run every round.</value>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>The model recipe the sites train (the model library's settings), written to <c>run.json</c> and checked on resume.</summary>
    /// <value>Empty: not recorded.</value>
    public IReadOnlyDictionary<string, string> Model { get; init; } = new Dictionary<string, string>();

    /// <summary>Content hashes of the run's inputs (manifest, cohort cache), by name; written to <c>run.json</c>.</summary>
    /// <value>Empty.</value>
    public IReadOnlyDictionary<string, string> InputHashes { get; init; } = new Dictionary<string, string>();

    /// <summary>Every problem with these options, one sentence each; empty when valid.</summary>
    /// <returns>The problems.</returns>
    public IEnumerable<string> Validate()
    {
        if (Rounds < 1)
        {
            yield return Invariant($"Rounds must be ≥ 1 (got {Rounds}).");
        }

        if (MaxParallelism < 1)
        {
            yield return Invariant($"MaxParallelism must be ≥ 1 (got {MaxParallelism}).");
        }

        if (!(DropoutProbability >= 0 && DropoutProbability <= 1))
        {
            yield return Invariant($"DropoutProbability must be in [0, 1] (got {DropoutProbability}).");
        }

        if (!(StragglerProbability >= 0 && StragglerProbability <= 1))
        {
            yield return Invariant($"StragglerProbability must be in [0, 1] (got {StragglerProbability}).");
        }

        if (StragglerDelay < TimeSpan.Zero)
        {
            yield return Invariant($"StragglerDelay must be ≥ 0 (got {StragglerDelay}).");
        }

        if (SiteDeadline is { } deadline && deadline <= TimeSpan.Zero)
        {
            yield return Invariant($"SiteDeadline must be > 0 when set (got {deadline}).");
        }

        if (EarlyStopping is { } stopping)
        {
            if (stopping.Patience < 1)
            {
                yield return Invariant($"EarlyStopping.Patience must be ≥ 1 (got {stopping.Patience}).");
            }

            if (string.IsNullOrWhiteSpace(stopping.Metric))
            {
                yield return "EarlyStopping.Metric must name a metric, e.g. \"loss\".";
            }

            if (!(stopping.MinDelta >= 0))
            {
                yield return Invariant($"EarlyStopping.MinDelta must be ≥ 0 (got {stopping.MinDelta}).");
            }
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
