namespace Flip.Federated.Strategies;

/// <summary>One site's evaluation instruction for a round.</summary>
/// <param name="Site">The site.</param>
/// <param name="Config">What it should do.</param>
public sealed record EvaluateInstruction(SiteId Site, EvaluateConfig Config);
