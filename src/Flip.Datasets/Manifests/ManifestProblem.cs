namespace Flip.Datasets.Manifests;

/// <summary>One problem in a manifest: where it is, what was found and expected, and the fix.</summary>
/// <param name="File">The manifest file name.</param>
/// <param name="Line">1-based line, or 0 when the problem is not at one place.</param>
/// <param name="JsonPath">JSON path such as <c>$.sites[1].source.folder</c>.</param>
/// <param name="Message">What was found and what was expected, ending with the fix.</param>
public sealed record ManifestProblem(string File, int Line, string JsonPath, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Line > 0 ? $"{File}:{Line} {JsonPath}: {Message}" : $"{File} {JsonPath}: {Message}";
}
