using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Flip.Learning.Native;
using TorchSharp;

namespace Flip.Learning.Devices;

/// <summary>Finds out whether TorchSharp works here and what it runs on.</summary>
/// <remarks>
/// What <c>flip-research doctor</c> reports. Probing loads the native library once per process;
/// a failure is captured in <see cref="TorchEnvironmentReport.LoadError"/>, never thrown.
/// </remarks>
public static class TorchEnvironment
{
    /// <summary>Loads TorchSharp's native library (if not yet loaded) and describes the result.</summary>
    /// <returns>Versions, paths, whether the library loaded, CUDA devices and threads.</returns>
    public static TorchEnvironmentReport Probe()
    {
        string torchSharpVersion = typeof(torch).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";
        string? libTorchPackage = FindLibTorchPackage();
        string? nativePath = FindNativeLibrary();
        bool? compat = null;
        if (nativePath is not null && OperatingSystem.IsLinux())
        {
            try
            {
                compat = LibTorchSharpCompat.Inspect(nativePath).IsWeak;
            }
            catch (CompatPatchException)
            {
                compat = null;
            }
        }

        string? error = null;
        bool loaded;
        try
        {
            loaded = torch.TryInitializeDeviceType(DeviceType.CPU);
            if (!loaded)
            {
                error = "TorchSharp could not load its native CPU backend";
            }
        }
        catch (Exception e) when (e is DllNotFoundException or NotSupportedException or TypeInitializationException or EntryPointNotFoundException)
        {
            loaded = false;
            error = e.InnerException?.Message ?? e.Message;
        }

        bool cuda = false;
        int cudaDevices = 0;
        int threads = 0;
        if (loaded)
        {
            cuda = torch.cuda.is_available();
            cudaDevices = cuda ? torch.cuda.device_count() : 0;
            threads = torch.get_num_threads();
        }

        return new TorchEnvironmentReport(torchSharpVersion, libTorchPackage, nativePath, loaded, error, compat,
            cuda, cudaDevices, threads);
    }

    /// <summary>The path of <c>libLibTorchSharp</c> the runtime would load, when it can be found.</summary>
    /// <returns>A path below the application folder, or <see langword="null"/>.</returns>
    public static string? FindNativeLibrary()
    {
        string file = OperatingSystem.IsWindows() ? "LibTorchSharp.dll"
            : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : LibTorchSharpCompat.LibraryFileName;
        string rid = RuntimeInformation.RuntimeIdentifier;
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, file),
            Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", file),
            Path.Combine(AppContext.BaseDirectory, "runtimes", PortableRid(), "native", file),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    private static string PortableRid()
    {
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        string arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        return os + "-" + arch;
    }

    private static string? FindLibTorchPackage()
    {
        // The libtorch build comes from the libtorch-* package the app was built with; its
        // name and version are recorded in the app's deps.json.
        string? entry = Assembly.GetEntryAssembly()?.GetName().Name;
        string[] files = Directory.Exists(AppContext.BaseDirectory)
            ? Directory.GetFiles(AppContext.BaseDirectory, "*.deps.json")
            : [];
        string? deps = files.FirstOrDefault(f => entry is not null && Path.GetFileName(f) == entry + ".deps.json")
            ?? files.FirstOrDefault();
        if (deps is null)
        {
            return null;
        }

        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(deps));
        if (!document.RootElement.TryGetProperty("libraries", out JsonElement libraries))
        {
            return null;
        }

        return libraries.EnumerateObject()
            .Select(p => p.Name)
            .Where(n => n.StartsWith("libtorch-", StringComparison.OrdinalIgnoreCase))
            .OrderBy(n => n.Length)
            .FirstOrDefault();
    }
}
