using System.Globalization;
using Flip.Learning.Devices;

namespace Flip.Notebooks;

public static partial class Lab
{
    /// <summary>Loads TorchSharp's native library and says what the notebook runs on; the last line of the setup cell.</summary>
    /// <returns>One line: FLIP Research's version, TorchSharp's, the native library loaded, CPU threads, CUDA.</returns>
    /// <exception cref="FlipException">The native library does not load; the message says why and how to fix it.</exception>
    public static string Environment()
    {
        TorchEnvironmentReport torch = TorchEnvironment.Probe();
        if (!torch.NativeLoaded)
        {
            throw new FlipException($"TorchSharp's native library did not load ({torch.LoadError}).", ExitCodes.Environment,
                "build the CLI with 'dotnet build flip-research -c Release' (it patches libLibTorchSharp.so for this Linux) and restart the kernel");
        }

        string version = typeof(Lab).Assembly.GetName().Version?.ToString(3) ?? "?";
        return string.Create(CultureInfo.InvariantCulture,
            $"FLIP Research {version} · TorchSharp {torch.TorchSharpVersion} · native {Path.GetFileName(torch.NativeLibraryPath)} loaded · {torch.Threads} CPU thread(s) · CUDA {(torch.CudaAvailable ? "yes" : "no")}");
    }
}
