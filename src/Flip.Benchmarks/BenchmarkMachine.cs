using System.Reflection;
using System.Runtime.InteropServices;

namespace Flip.Benchmarks;

/// <summary>The machine and build a benchmark report was measured on: enough to tell whether two reports can be compared.</summary>
/// <param name="Cores">Logical processors this process may use.</param>
/// <param name="Os">The operating system, as the runtime describes it.</param>
/// <param name="Runtime">The .NET runtime, e.g. <c>.NET 10.0.0</c>.</param>
/// <param name="TorchThreads">libtorch intra-op threads the benchmark asked for, or <see langword="null"/> where it uses no libtorch.</param>
/// <param name="Commit">The source commit the program was built from, or <see langword="null"/> when the build did not record it.</param>
/// <param name="Device">The libtorch device the workloads ran on (<c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>), or <see langword="null"/> where the benchmark uses no libtorch.</param>
public sealed record BenchmarkMachine(int Cores, string Os, string Runtime, int? TorchThreads, string? Commit, string? Device = null)
{
    /// <summary>This machine and the running program's build.</summary>
    /// <param name="torchThreads">libtorch intra-op threads, or <see langword="null"/>.</param>
    /// <param name="device">The libtorch device, or <see langword="null"/>.</param>
    /// <returns>The description.</returns>
    public static BenchmarkMachine Current(int? torchThreads, string? device = null) =>
        new(Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, torchThreads, BuildCommit(), device);

    /// <summary>The commit the SDK stamps after <c>+</c> in the entry assembly's informational version (from git, when the build ran in a clone).</summary>
    private static string? BuildCommit()
    {
        string? version = (Assembly.GetEntryAssembly() ?? typeof(BenchmarkMachine).Assembly).GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        int plus = version?.IndexOf('+', StringComparison.Ordinal) ?? -1;
        return plus >= 0 && plus < version!.Length - 1 ? version[(plus + 1)..] : null;
    }
}
