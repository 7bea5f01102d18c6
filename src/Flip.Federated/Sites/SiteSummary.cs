namespace Flip.Federated;

/// <summary>What a site may say about its data: counts and label balance only, never identifiers.</summary>
/// <param name="TrainExampleCount">Examples used for training.</param>
/// <param name="EvaluationExampleCount">Held-out examples used for evaluation.</param>
/// <param name="LabelCounts">Examples per label (e.g. <c>cspca</c> → 12); may be empty.</param>
public sealed record SiteSummary(long TrainExampleCount, long EvaluationExampleCount, IReadOnlyDictionary<string, long> LabelCounts);
