using System.Reflection;

namespace Architecture.Tests;

/// <summary>The reference arrows of STYLE.md §1, read from the built assemblies.</summary>
public sealed class ReferenceArrowTests
{
    private static readonly Dictionary<string, Assembly> Libraries = new[]
    {
        typeof(Flip.FlipException).Assembly,
        typeof(Flip.Imaging.Dicom.DicomFile).Assembly,
        typeof(Flip.Datasets.Cohort).Assembly,
        typeof(Flip.Federated.ParameterSet).Assembly,
        typeof(Flip.Learning.Models.UNet2D).Assembly,
        typeof(Flip.Flower.FlowerProtocolException).Assembly,
        typeof(Flip.Reporting.Report).Assembly,
        typeof(Flip.Experiments.Experiment).Assembly,
        typeof(Flip.Imaging.Fuzzing.DicomFuzzer).Assembly,
        typeof(Flip.Benchmarks.BenchmarkReport).Assembly,
    }.ToDictionary(a => a.GetName().Name!);

    public static TheoryData<string, string[]> Forbidden => new()
    {
        { "Flip.Core", ["Flip.", "TorchSharp", "Grpc", "Deedle", "Plotly"] },
        { "Flip.Imaging", ["TorchSharp", "Grpc", "Deedle", "Plotly", "Flip.Datasets", "Flip.Federated", "Flip.Learning", "Flip.Flower", "Flip.Reporting", "Flip.Experiments"] },
        { "Flip.Federated", ["TorchSharp", "Grpc", "Google.Protobuf", "Flip.Imaging", "Flip.Datasets", "Flip.Learning", "Flip.Flower", "Flip.Reporting"] },
        { "Flip.Datasets", ["TorchSharp", "Grpc", "Flip.Federated", "Flip.Learning", "Flip.Flower"] },
        { "Flip.Flower", ["TorchSharp", "Flip.Learning", "Flip.Imaging", "Flip.Datasets"] },
        { "Flip.Learning", ["Grpc", "Flip.Flower"] },
        { "Flip.Reporting", ["TorchSharp", "Microsoft.DotNet.Interactive"] },
        { "Flip.Experiments", ["Microsoft.DotNet.Interactive"] },
        // The fuzz verb ships in the CLI: its generator is our own, so no test library travels with it.
        { "Flip.Imaging.Fuzzing", ["CsCheck", "TorchSharp", "Grpc", "Flip.Datasets", "Flip.Federated", "Flip.Learning", "Flip.Flower"] },
    };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void A_library_references_nothing_its_arrows_forbid(string library, string[] forbidden)
    {
        var references = Libraries[library].GetReferencedAssemblies().Select(r => r.Name!).ToList();

        var bad = references.Where(r => forbidden.Any(f => r.StartsWith(f, StringComparison.Ordinal)) && r != library && !(library == "Flip.Core" && r == "Flip.Core")).ToList();

        Assert.True(bad.Count == 0, $"{library} references {string.Join(", ", bad)}");
    }

    [Fact]
    public void A_relay_node_loads_without_TorchSharp()
    {
        // Flip.Flower and everything it references, transitively, among our libraries.
        var seen = new HashSet<string>();
        var queue = new Queue<string>(["Flip.Flower"]);
        while (queue.Count > 0)
        {
            string name = queue.Dequeue();
            if (!seen.Add(name) || !Libraries.TryGetValue(name, out Assembly? assembly))
            {
                continue;
            }

            foreach (AssemblyName reference in assembly.GetReferencedAssemblies())
            {
                queue.Enqueue(reference.Name!);
            }
        }

        Assert.Contains("Flip.Federated", seen);
        Assert.DoesNotContain("Flip.Learning", seen);
        Assert.DoesNotContain(seen, n => n.StartsWith("TorchSharp", StringComparison.Ordinal));
    }

    [Fact]
    public void No_product_library_references_Flip_Benchmarks()
    {
        // The benchmarks measure the libraries from outside; a library that referenced them would ship them.
        var fromAssemblies = Libraries.Values.Where(a => a.GetName().Name != "Flip.Benchmarks")
            .Where(a => a.GetReferencedAssemblies().Any(r => r.Name == "Flip.Benchmarks")).Select(a => a.GetName().Name);
        var fromProjects = ProductProjects().Where(p => File.ReadAllText(p).Contains("Flip.Benchmarks.csproj", StringComparison.Ordinal)).Select(Path.GetFileName);

        Assert.Empty(fromAssemblies.Concat(fromProjects));
    }

    [Fact]
    public void Only_Flip_Benchmarks_holds_benchmark_code()
    {
        // No Benchmarks folder in a product library's source, and no *.Benchmarks namespace in its assembly.
        var folders = ProductProjects().Select(Path.GetDirectoryName)
            .SelectMany(dir => Directory.EnumerateDirectories(dir!, "Benchmarks", SearchOption.AllDirectories))
            .Where(dir => !dir.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Select(dir => Path.GetRelativePath(RepositoryRoot(), dir));
        var namespaces = Libraries.Values.Where(a => a.GetName().Name != "Flip.Benchmarks")
            .SelectMany(a => a.GetTypes().Select(t => t.Namespace ?? "").Where(n => n.Split('.').Contains("Benchmarks")).Distinct()
                .Select(n => $"{a.GetName().Name}: namespace {n}"));

        Assert.Empty(folders.Concat(namespaces));
    }

    [Fact]
    public void No_library_under_src_references_CsCheck()
    {
        // CsCheck is for the tests' properties; a library that references it copies CsCheck.dll into the CLI's output.
        var projects = Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => File.ReadAllText(p).Contains("\"CsCheck\"", StringComparison.Ordinal)).Select(Path.GetFileName);

        Assert.Empty(projects);
    }

    /// <summary>Every project under src/ except Flip.Benchmarks.</summary>
    private static IEnumerable<string> ProductProjects() =>
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => Path.GetFileNameWithoutExtension(p) != "Flip.Benchmarks");

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string file = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));
}
