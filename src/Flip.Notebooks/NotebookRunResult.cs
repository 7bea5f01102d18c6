namespace Flip.Notebooks;

/// <summary>What running one notebook did.</summary>
/// <param name="Notebook">The notebook's path.</param>
/// <param name="OutputPath">The executed copy (or the notebook itself with in-place), written also when a cell failed.</param>
/// <param name="CellsRun">Code cells that completed.</param>
/// <param name="CodeCells">Code cells in the notebook.</param>
/// <param name="Elapsed">Wall-clock time of the run.</param>
/// <param name="FailedCell">The 1-based number (among all cells) of the cell that failed, or <see langword="null"/>.</param>
/// <param name="Error">What went wrong in that cell (its error, or a timeout), or <see langword="null"/>.</param>
public sealed record NotebookRunResult(string Notebook, string OutputPath, int CellsRun, int CodeCells, TimeSpan Elapsed, int? FailedCell, string? Error)
{
    /// <summary>Whether every code cell ran without error.</summary>
    public bool Succeeded => FailedCell is null;

    /// <summary>One sentence naming notebook, cell and error, or <see langword="null"/> when the run succeeded.</summary>
    public string? FailureMessage => FailedCell is null ? null : $"{Notebook}: cell {FailedCell} failed: {Error}";
}
