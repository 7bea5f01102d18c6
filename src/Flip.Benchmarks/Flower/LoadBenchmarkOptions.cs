using Flip.Flower.Fleet;

namespace Flip.Benchmarks.Flower;

/// <summary>Knobs of the <see cref="LoadBenchmark"/>; the defaults are BENCHMARKS.md's 25M set.</summary>
public sealed record LoadBenchmarkOptions
{
    /// <summary>Nodes that join and send an update every round.</summary>
    /// <value>10.</value>
    public int Nodes { get; init; } = 10;

    /// <summary>Rounds (train + evaluate each).</summary>
    /// <value>2.</value>
    public int Rounds { get; init; } = 2;

    /// <summary>Arrays in the model.</summary>
    /// <value>25.</value>
    public int Arrays { get; init; } = 25;

    /// <summary>Values per array (a multiple of 1000).</summary>
    /// <value>1,000,000.</value>
    public int ValuesPerArray { get; init; } = 1_000_000;

    /// <summary>Updates the server receives at once (<see cref="FleetServiceOptions.MaxConcurrentReplies"/>).</summary>
    /// <value>1.</value>
    public int MaxConcurrentUpdates { get; init; } = 1;

    /// <summary>The per-step deadline.</summary>
    /// <value>30 minutes.</value>
    public TimeSpan RoundDeadline { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Whether the server collects garbage after each folded update (<see cref="FleetFederationOptions.CollectAfterEachUpdate"/>).</summary>
    /// <value><see langword="true"/>, as <c>flip-research serve</c>.</value>
    public bool CollectAfterEachUpdate { get; init; } = true;
}
