namespace Flip.Flower.Fleet;

/// <summary>How a <see cref="FleetFederation"/> runs its rounds.</summary>
public sealed record FleetFederationOptions
{
    /// <summary>Federated rounds.</summary>
    /// <value>3.</value>
    public int Rounds { get; init; } = 3;

    /// <summary>Nodes that must be online before round 1.</summary>
    /// <value>2.</value>
    public int MinNodes { get; init; } = 2;

    /// <summary>How long to wait for <see cref="MinNodes"/> nodes.</summary>
    /// <value>5 minutes.</value>
    public TimeSpan NodeWait { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A node that has not replied this long after an instruction is recorded as timed out for the round.</summary>
    /// <value>30 minutes.</value>
    public TimeSpan RoundDeadline { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Seed of the strategy's sampling and the sites' seeds.</summary>
    /// <value>0.</value>
    public int Seed { get; init; }

    /// <summary>
    /// Whether to run a full, compacting garbage collection after each update is folded in, so the
    /// server's resident memory returns to the live set (global model, running sum, admitted replies)
    /// instead of growing with the garbage of earlier replies until the runtime decides to collect.
    /// </summary>
    /// <value><see langword="false"/>; <c>flip-research serve</c> and <c>bench load</c> turn it on (a collection costs milliseconds, a 25M-parameter update takes far longer to arrive).</value>
    public bool CollectAfterEachUpdate { get; init; }
}
