using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Flip.Notebooks.Tests;

/// <summary>What the build leaves in the folder the notebooks load from (<c>flip-research/bin/…</c>) so that the
/// .NET Interactive kernel can use it: one FSharp.Core for Plotly.NET and its HTML library, and no unpatched copy of
/// TorchSharp's native library where TorchSharp's fallback would put it.</summary>
public class KernelBuildOutputTests
{
    [Theory]
    [InlineData("Giraffe.ViewEngine.dll")]
    [InlineData("Fable.Core.dll")]
    [InlineData("Plotly.NET.dll")]
    [InlineData("Flip.Reporting.dll")]
    public void Plotly_NET_and_its_dependencies_reference_the_FSharp_Core_of_the_build_output(string assembly)
    {
        string folder = FlipCli.BuildFolder();

        Version output = Definition(Path.Combine(folder, "FSharp.Core.dll"));
        Version? referenced = FSharpCoreReference(Path.Combine(folder, assembly));

        Assert.Equal(output, referenced);
    }

    [Fact]
    public void The_build_output_has_no_cpu_folder_of_copies_from_the_NuGet_cache()
    {
        Assert.False(Directory.Exists(Path.Combine(FlipCli.BuildFolder(), "cpu")));
        Assert.True(File.Exists(Path.Combine(FlipCli.BuildFolder(), "runtimes", "linux-x64", "native", "libLibTorchSharp.so")) || !OperatingSystem.IsLinux());
    }

    private static Version Definition(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        return pe.GetMetadataReader().GetAssemblyDefinition().Version;
    }

    private static Version? FSharpCoreReference(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        MetadataReader metadata = pe.GetMetadataReader();
        return metadata.AssemblyReferences.Select(metadata.GetAssemblyReference)
            .Where(r => metadata.GetString(r.Name) == "FSharp.Core").Select(r => r.Version).SingleOrDefault();
    }
}
