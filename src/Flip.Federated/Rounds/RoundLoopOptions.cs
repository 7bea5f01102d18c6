using Flip.Federated.Simulations;

namespace Flip.Federated.Rounds;

/// <summary>How a <see cref="RoundLoop"/> runs: what every transport shares (the simulation's and the servers' options map onto it).</summary>
public sealed record RoundLoopOptions
{
    /// <summary>The number of rounds.</summary>
    /// <value>10.</value>
    public int Rounds { get; init; } = 10;

    /// <summary>The run seed: the strategy's sampling and every site's seed for a round are derived from it, the round and the site's position.</summary>
    /// <value>0.</value>
    public int Seed { get; init; }

    /// <summary>Sites that must be available before the first round (later rounds need one).</summary>
    /// <value>1.</value>
    public int MinSites { get; init; } = 1;

    /// <summary>What happens when fewer sites answer than the strategy's <see cref="Strategies.Strategy.MinTrainSites"/>, or the aggregation refuses the replies.</summary>
    /// <value><see cref="TooFewSitesPolicy.SkipRound"/>: the global model is kept, the round is marked skipped.</value>
    public TooFewSitesPolicy OnTooFewSites { get; init; } = TooFewSitesPolicy.SkipRound;

    /// <summary>Whether the sites evaluate the initial model, recorded as round 0.</summary>
    /// <value><see langword="false"/>.</value>
    public bool EvaluateInitialModel { get; init; }

    /// <summary>When to stop before <see cref="Rounds"/>.</summary>
    /// <value><see langword="null"/>: run every round.</value>
    public EarlyStopping? EarlyStopping { get; init; }
}
