namespace Flip.Federated.Strategies;

/// <summary>A site's successful evaluation reply.</summary>
/// <param name="Site">The site.</param>
/// <param name="Evaluation">What it sent.</param>
public sealed record EvaluateReply(SiteId Site, SiteEvaluation Evaluation);
