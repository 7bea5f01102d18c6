namespace Flip.Federated.Strategies;

/// <summary>One site's training instruction for a round.</summary>
/// <param name="Site">The site.</param>
/// <param name="Config">What it should do.</param>
public sealed record TrainInstruction(SiteId Site, TrainConfig Config);
