namespace Flip.Datasets.Manifests;

/// <summary>A manifest that cannot be used: every problem found, each with file, line, JSON path, expectation and fix.</summary>
public sealed class ManifestException : FlipException
{
    /// <summary>Creates the error from its problems.</summary>
    /// <param name="path">The manifest file.</param>
    /// <param name="problems">Every problem found (at least one).</param>
    public ManifestException(string path, IReadOnlyList<ManifestProblem> problems)
        : base(Describe(path, problems), ExitCodes.BadInput)
    {
        Problems = problems;
    }

    /// <summary>The problems, in file order.</summary>
    public IReadOnlyList<ManifestProblem> Problems { get; }

    private static string Describe(string path, IReadOnlyList<ManifestProblem> problems)
        => $"manifest '{path}' has {problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}:" + Environment.NewLine
           + string.Join(Environment.NewLine, problems.Select(p => "  " + p));
}
