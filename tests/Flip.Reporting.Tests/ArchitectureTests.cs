namespace Flip.Reporting.Tests;

public sealed class ArchitectureTests
{
    [Fact]
    public void Flip_Reporting_references_neither_TorchSharp_nor_the_notebook_kernel()
    {
        // STYLE.md §1: reporting is plain arithmetic, frames and HTML; a hospital node or a notebook-free CLI can load it.
        var references = typeof(Report).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();

        Assert.Contains("Deedle", references);
        Assert.Contains("Plotly.NET", references);
        Assert.DoesNotContain(references, r => r.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.DotNet.Interactive", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(references, r => r.StartsWith("Flip.Learning", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_public_type_of_Flip_Reporting_lives_in_a_file_named_after_it()
    {
        string source = Path.Combine(RepositoryRoot(), "src", "Flip.Reporting");
        var publicTypes = typeof(Report).Assembly.GetExportedTypes().Where(t => !t.IsNested).Select(t => t.Name).ToList();

        Assert.All(publicTypes, name => Assert.True(File.Exists(Path.Combine(source, name + ".cs")), $"{name} is public but {name}.cs does not exist."));
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string file = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));
}
