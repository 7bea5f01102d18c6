using System.Diagnostics;

namespace Flip.Notebooks.Tests;

/// <summary>The real .NET Interactive kernel as Jupyter runs it: <c>dotnet-interactive</c> (the dotnet tool that VS Code's
/// Polyglot Notebooks extension also starts) registered as the kernel <c>.net-csharp</c>, driven by Debian's
/// <c>jupyter-nbconvert --execute</c> (nbclient). <c>./test.sh</c> installs and registers all of it.</summary>
internal static class JupyterKernel
{
    public const string KernelName = ".net-csharp";

    /// <summary>The kernel's own first output in a notebook: a script that looks for the kernel's HTTP endpoint (nothing
    /// of ours; Jupyter front ends without it ignore it).</summary>
    public const string BootstrapMarker = "dotnet-interactive-this-cell";

    private static string Tools => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools");

    /// <summary>What is missing to run notebooks in the kernel, one item per missing piece; empty when all is there.</summary>
    public static IReadOnlyList<string> Missing()
    {
        var missing = new List<string>();
        if (FindOnPath("jupyter-nbconvert") is null) missing.Add("jupyter-nbconvert on PATH (Debian: jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client)");
        if (FindOnPath("dotnet-interactive", Tools) is null) missing.Add("the dotnet-interactive tool (dotnet tool install -g Microsoft.dotnet-interactive --version 1.0.712001)");
        if (KernelSpec() is null) missing.Add($"the Jupyter kernel {KernelName} (dotnet interactive jupyter install)");
        return missing;
    }

    /// <summary>Whether notebooks can run in the kernel here.</summary>
    public static bool Available => Missing().Count == 0;

    /// <summary>Executes a notebook in the kernel, as <c>jupyter nbconvert --to notebook --execute</c>, into
    /// <paramref name="outputFolder"/> (same file name); the kernel's working folder is the notebook's, as in VS Code.</summary>
    /// <returns>The exit code, nbconvert's output and error, and the wall time.</returns>
    public static (int ExitCode, string Output, TimeSpan Elapsed) Execute(string notebook, string outputFolder, string runsFolder)
    {
        var start = new ProcessStartInfo(FindOnPath("jupyter-nbconvert")!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[]
        {
            "--to", "notebook", "--execute", $"--ExecutePreprocessor.kernel_name={KernelName}",
            "--ExecutePreprocessor.timeout=600", "--output-dir", outputFolder, notebook,
        })
        {
            start.ArgumentList.Add(argument);
        }

        // The kernel spec starts "dotnet interactive", which finds the global tool on PATH.
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") + Path.PathSeparator + Tools;
        start.Environment["FLIP_NOTEBOOK_RUNS"] = runsFolder;
        start.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["PYDEVD_DISABLE_FILE_VALIDATION"] = "1";
        var clock = Stopwatch.StartNew();
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        // A backstop against a hung kernel, not a speed check.
        if (!process.WaitForExit(TimeSpan.FromMinutes(20)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"nbconvert did not finish {notebook} within 20 minutes; it was killed.");
        }

        return (process.ExitCode, output.Result + error.Result, clock.Elapsed);
    }

    private static string? KernelSpec()
    {
        // Jupyter's data folders (jupyter --paths): the user's, JUPYTER_PATH, then the system's.
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var folders = new List<string> { Path.Combine(Environment.GetEnvironmentVariable("JUPYTER_DATA_DIR") ?? Path.Combine(home, ".local", "share", "jupyter")) };
        folders.AddRange((Environment.GetEnvironmentVariable("JUPYTER_PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        folders.AddRange(["/usr/local/share/jupyter", "/usr/share/jupyter"]);
        return folders.Select(f => Path.Combine(f, "kernels", KernelName, "kernel.json")).FirstOrDefault(File.Exists);
    }

    private static string? FindOnPath(string name, params string[] extra) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(extra)
            .Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
}

/// <summary>A test that needs the real kernel: skipped where it is not installed, except under <c>CI=true</c>, where it
/// runs and fails naming what is missing (CI must never pass by skipping it).</summary>
public sealed class KernelFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the kernel is missing outside CI.</summary>
    public KernelFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") != "true" && !JupyterKernel.Available)
        {
            Skip = "the .NET Interactive Jupyter kernel is not set up (" + string.Join("; ", JupyterKernel.Missing()) + "); ./test.sh installs it";
        }
    }
}
