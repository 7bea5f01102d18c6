namespace Flip.Notebooks;

/// <summary>How <see cref="NotebookRunner"/> runs notebooks.</summary>
public sealed record NotebookRunOptions
{
    /// <summary>The folder executed copies go to; <see langword="null"/> with <see cref="InPlace"/> unset means
    /// next to the notebook with <c>.out</c> before the extension.</summary>
    public string? OutputFolder { get; init; }

    /// <summary>Write outputs into the notebook itself (an <c>.ipynb</c> only: a <c>.dib</c> has no place for outputs).</summary>
    public bool InPlace { get; init; }

    /// <summary><c>name=value</c> overrides of the parameters cell's <c>var</c>s.</summary>
    public IReadOnlyList<string> Parameters { get; init; } = [];

    /// <summary>The longest one cell may run; 10 minutes by default.</summary>
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest a whole notebook may run; 30 minutes by default.</summary>
    public TimeSpan NotebookTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Where the runner writes its progress lines (never a cell's output). The CLI passes the raw standard
    /// error stream, because the kernel captures <see cref="Console"/> while a cell runs.</summary>
    public TextWriter? Log { get; init; }
}
