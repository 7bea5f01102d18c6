namespace Flip.Federated.Strategies;

/// <summary>A site's successful training reply.</summary>
/// <param name="Site">The site.</param>
/// <param name="Update">What it sent.</param>
public sealed record TrainReply(SiteId Site, SiteUpdate Update);
