namespace Flip.Experiments;

/// <summary>One run of an <see cref="ExperimentGrid"/>.</summary>
/// <param name="Name">Folder name, e.g. <c>fedprox-seed2-lr0.002-e1-mu0.1</c>.</param>
/// <param name="Strategy">Strategy name.</param>
/// <param name="Seed">Seed of the cohort, split, model and training.</param>
/// <param name="Options">The run's options (without a run folder).</param>
public sealed record ExperimentCell(string Name, string Strategy, int Seed, ExperimentOptions Options);
