using System.Diagnostics;
using System.Runtime.InteropServices;
using Flip.Learning.Native;

namespace Flip.Learning.Devices;

/// <summary>The checks behind <c>flip-research doctor</c>: OS, libstdc++, .NET, TorchSharp, CUDA, threads.</summary>
public static class EnvironmentDoctor
{
    /// <summary>Runs every check; never throws for an environment problem.</summary>
    /// <returns>The checks in display order.</returns>
    public static IReadOnlyList<EnvironmentCheck> Run()
    {
        TorchEnvironmentReport torch = TorchEnvironment.Probe();
        var checks = new List<EnvironmentCheck>
        {
            new("Operating system", CheckStatus.Ok, OperatingSystemName()),
            LibStdCxx(torch),
            new(".NET runtime", CheckStatus.Ok, $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})"),
            TorchSharp(torch),
            NativeLibrary(torch),
            Cuda(torch),
            new("Threads", CheckStatus.Ok, torch.NativeLoaded
                ? $"libtorch uses {torch.Threads} intra-op threads; {Environment.ProcessorCount} logical cores"
                : $"{Environment.ProcessorCount} logical cores"),
        };
        return checks;
    }

    /// <summary>Whether TorchSharp works, which decides <c>doctor</c>'s exit code.</summary>
    /// <param name="checks">The result of <see cref="Run"/>.</param>
    /// <returns><see langword="true"/> when no check failed.</returns>
    public static bool Healthy(IReadOnlyList<EnvironmentCheck> checks) => checks.All(c => c.Status != CheckStatus.Fail);

    private static string OperatingSystemName()
    {
        const string osRelease = "/etc/os-release";
        if (OperatingSystem.IsLinux() && File.Exists(osRelease))
        {
            string? pretty = File.ReadLines(osRelease)
                .FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?
                .Substring("PRETTY_NAME=".Length).Trim('"');
            if (pretty is not null)
            {
                return $"{pretty}, {RuntimeInformation.OSArchitecture}";
            }
        }

        return $"{RuntimeInformation.OSDescription}, {RuntimeInformation.OSArchitecture}";
    }

    private static EnvironmentCheck LibStdCxx(TorchEnvironmentReport torch)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new("libstdc++", CheckStatus.Ok, "not used on this operating system");
        }

        string? highest = LibTorchSharpCompat.SystemHighestGlibcxx(out string? library);
        if (highest is null)
        {
            return new("libstdc++", CheckStatus.Warn, "no libstdc++.so.6 found in the standard library folders",
                "install the distribution's libstdc++ package (Debian: libstdc++6).");
        }

        bool hasIt = LibTorchSharpCompat.SystemLibStdCxxDefines(LibTorchSharpCompat.NeededVersion, out _) == true;
        if (hasIt)
        {
            return new("libstdc++", CheckStatus.Ok, $"{library}: highest {highest}; TorchSharp's {LibTorchSharpCompat.NeededVersion} is present");
        }

        return torch.CompatibilityCopyUsed == true
            ? new("libstdc++", CheckStatus.Ok,
                $"{library}: highest {highest}, older than TorchSharp's {LibTorchSharpCompat.NeededVersion}; the build's compatibility copy covers it")
            : new("libstdc++", CheckStatus.Fail,
                $"{library}: highest {highest}, older than TorchSharp's {LibTorchSharpCompat.NeededVersion}, and the app's libLibTorchSharp.so is not the compatibility copy",
                "rebuild with the repository's Directory.Build.targets (default -p:FlipLibStdCxxCompat=auto), or install a libstdc++ from GCC 13 or newer.");
    }

    private static EnvironmentCheck TorchSharp(TorchEnvironmentReport torch)
        => new("TorchSharp", CheckStatus.Ok,
            $"TorchSharp {torch.TorchSharpVersion}, {torch.LibTorchPackage?.Replace('/', ' ') ?? "libtorch package unknown"}");

    private static EnvironmentCheck NativeLibrary(TorchEnvironmentReport torch)
    {
        string where = torch.NativeLibraryPath ?? "libLibTorchSharp (not found next to TorchSharp.dll)";
        if (!torch.NativeLoaded)
        {
            return new("Native library", CheckStatus.Fail, $"{where} did not load: {torch.LoadError}",
                "run 'dotnet build' again so the compatibility step runs, or install a libstdc++ from GCC 13 or newer.");
        }

        string compat = torch.CompatibilityCopyUsed switch
        {
            true => "the compatibility copy (GLIBCXX_3.4.32 requirement marked weak)",
            false => "as shipped",
            null => "compatibility state unknown",
        };
        return new("Native library", CheckStatus.Ok, $"loaded {where}, {compat}");
    }

    private static EnvironmentCheck Cuda(TorchEnvironmentReport torch)
    {
        if (!torch.NativeLoaded)
        {
            return new("CUDA", CheckStatus.Warn, "not checked: TorchSharp did not load", "fix the native library first.");
        }

        if (!torch.CudaAvailable)
        {
            return new("CUDA", CheckStatus.Warn, "no CUDA device; training runs on the CPU",
                "on a machine with an NVIDIA GPU, reference TorchSharp-cuda-linux instead of TorchSharp-cpu (README, 'Using a GPU') and pass --device cuda.");
        }

        string names = string.Join(", ", GpuNames());
        return new("CUDA", CheckStatus.Ok, $"{torch.CudaDeviceCount} device(s){(names.Length > 0 ? ": " + names : string.Empty)}");
    }

    private static IEnumerable<string> GpuNames()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("nvidia-smi", "--query-gpu=name --format=csv,noheader")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return [];
            }

            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(5000);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return [];
        }
    }
}
