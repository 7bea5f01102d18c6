namespace Flip.Datasets.Manifests;

/// <summary>The manifest's <c>splits</c>: explicit patient lists, or ratios drawn with a seed (stratified by csPCa, grouped by patient).</summary>
/// <param name="Lists">Split name → patient ids, or <see langword="null"/>.</param>
/// <param name="Ratios">Split name → fraction (summing to 1), or <see langword="null"/>.</param>
/// <param name="Seed">Seed of the ratio draw.</param>
public sealed record SplitRule(IReadOnlyDictionary<string, IReadOnlyList<string>>? Lists, IReadOnlyDictionary<string, double>? Ratios, int Seed);
