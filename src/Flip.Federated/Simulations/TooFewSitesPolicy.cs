namespace Flip.Federated.Simulations;

/// <summary>What a simulation does when fewer sites answer than the strategy's minimum.</summary>
public enum TooFewSitesPolicy
{
    /// <summary>Keep the global model, record the round as skipped, go on (Flower's behaviour).</summary>
    SkipRound,

    /// <summary>Stop the run with an <see cref="Strategies.AggregationException"/> (exit code 6).</summary>
    Fail,
}
