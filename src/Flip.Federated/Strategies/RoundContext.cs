namespace Flip.Federated.Strategies;

/// <summary>What a strategy knows about the round it is configuring or aggregating.</summary>
/// <param name="Round">The round, from 1.</param>
/// <param name="TotalRounds">The number of rounds in the run.</param>
/// <param name="Sites">The sites available this round, in a fixed order.</param>
/// <param name="Random">The round's random stream, seeded by the simulation from the run seed and the round.</param>
public sealed record RoundContext(int Round, int TotalRounds, IReadOnlyList<SiteId> Sites, Random Random);
