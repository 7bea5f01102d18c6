namespace Flip.Federated;

/// <summary>A site's missing reply in a round (Flower's error reply): who, when, which step, why, in words free of identifiers.</summary>
/// <param name="Site">The site.</param>
/// <param name="Round">The round, from 1.</param>
/// <param name="Step">The step that failed: <c>train</c> or <c>evaluate</c>.</param>
/// <param name="Category">Why.</param>
/// <param name="Reason">The exception type and, for a <see cref="FlipException"/>, its exit code; never a path or a value.</param>
public sealed record SiteFailure(SiteId Site, int Round, string Step, FailureCategory Category, string Reason);
