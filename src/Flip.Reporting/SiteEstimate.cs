namespace Flip.Reporting;

/// <summary>A site's value of a metric under one strategy, with a confidence interval when one is known: one bar of a bar chart.</summary>
/// <param name="Group">The strategy or run the bar belongs to, e.g. <c>FedBN</c>.</param>
/// <param name="Site">The site id.</param>
/// <param name="Value">The value.</param>
/// <param name="Interval">The confidence interval, or <see langword="null"/>.</param>
public sealed record SiteEstimate(string Group, string Site, double Value, ConfidenceInterval? Interval);
