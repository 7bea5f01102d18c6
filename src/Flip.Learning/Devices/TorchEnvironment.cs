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
            LoadNativeLibrary(nativePath);
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

    /// <summary>The path of <c>libLibTorchSharp</c> next to the loaded <c>TorchSharp.dll</c>, when it can be found.</summary>
    /// <remarks>The folder of the TorchSharp assembly, not the application's: in the CLI they are the same, in a notebook
    /// kernel (<c>dotnet-interactive</c>, which <c>#r</c>-references the CLI's build) the application is the kernel.</remarks>
    /// <returns>A path in that folder or in its <c>runtimes/&lt;rid&gt;/native</c>, or <see langword="null"/>.</returns>
    public static string? FindNativeLibrary()
    {
        string file = OperatingSystem.IsWindows() ? "LibTorchSharp.dll"
            : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : LibTorchSharpCompat.LibraryFileName;
        string folder = Path.GetDirectoryName(typeof(torch).Assembly.Location) is { Length: > 0 } location ? location : AppContext.BaseDirectory;
        string rid = RuntimeInformation.RuntimeIdentifier;
        string[] candidates =
        [
            Path.Combine(folder, file),
            Path.Combine(folder, "runtimes", rid, "native", file),
            Path.Combine(folder, "runtimes", PortableRid(), "native", file),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    // TorchSharp first loads its native library by name, which only the application's deps.json can resolve. In a host
    // without that entry (a notebook kernel) the lookup fails and TorchSharp falls back to copying the libraries from the
    // NuGet cache into a "cpu" folder next to TorchSharp.dll, which brings the unpatched libLibTorchSharp.so (README,
    // "TorchSharp on older Linux"). Loading the build's own copy by path first makes the by-name lookup find the loaded
    // library (same soname), so the fallback never runs. Its dependencies (libtorch, libc10) come from the same folder
    // through the library's $ORIGIN run path.
    private static void LoadNativeLibrary(string? path)
    {
        if (path is not null) NativeLibrary.TryLoad(path, out _);
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
