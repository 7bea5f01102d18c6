namespace Flip.Datasets.Synthetic;

/// <summary>Everything that decides one patient's phantom.</summary>
internal sealed record PhantomSpec(ScannerAppearance Appearance, int IsupGrade, int Seed, int MatrixSize, int Slices);
