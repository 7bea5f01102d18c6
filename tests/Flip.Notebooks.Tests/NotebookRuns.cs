using System.Diagnostics;
using static Flip.Notebooks.Tests.TestNotebooks;

namespace Flip.Notebooks.Tests;

/// <summary>The research notebooks run once per test run through the real CLI (<c>flip-research notebook run</c>, as CI
/// and a user run it); the tests that check them by content (<see cref="NotebooksTests"/>) and the ones that compare the
/// .NET Interactive kernel with it (<see cref="KernelNotebookTests"/>) share that one run.</summary>
public sealed class NotebookRuns
{
    /// <summary>The xunit collection of the tests that share the run.</summary>
    public const string Collection = "research notebooks";

    private readonly Lazy<CliRun> runner;

    /// <summary>Finds the notebooks; runs nothing until <see cref="Runner"/> is asked for.</summary>
    public NotebookRuns()
    {
        Notebooks = Directory.GetFiles(Path.Combine(RepositoryRoot(), "notebooks"), "*.ipynb").Order(StringComparer.Ordinal).ToArray();
        runner = new Lazy<CliRun>(() =>
        {
            string output = Folder();
            var run = FlipCli.Run(output, ["notebook", "run", .. Notebooks, "--out", output, "--cell-timeout", "300", "--timeout", "600"]);
            return new CliRun(run, output);
        });
    }

    /// <summary>The notebooks in <c>notebooks/</c>, in name order.</summary>
    public string[] Notebooks { get; }

    /// <summary>The CLI's run of every notebook with its smoke parameters: the result and the folder of executed copies.</summary>
    public CliRun Runner => runner.Value;
}

/// <summary>One run of the CLI over the notebooks.</summary>
/// <param name="Result">Exit code and output.</param>
/// <param name="OutputFolder">Where the executed copies are (one per notebook, same file name).</param>
public sealed record CliRun(FlipCli.Result Result, string OutputFolder);

/// <summary>The shared-run collection.</summary>
[CollectionDefinition(NotebookRuns.Collection)]
public sealed class NotebookRunsCollection : ICollectionFixture<NotebookRuns>;

/// <summary>The built CLI (<c>flip-research/bin/&lt;configuration&gt;/net10.0</c>), run as a process.</summary>
public static class FlipCli
{
    /// <summary>What the process did.</summary>
    /// <param name="ExitCode">Its exit code.</param>
    /// <param name="Output">Its standard output.</param>
    /// <param name="Error">Its standard error.</param>
    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>The folder of the CLI's build in the configuration these tests were built in (flip.csx loads from it).</summary>
    public static string BuildFolder()
    {
        string configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))!);
        return Path.Combine(RepositoryRoot(), "flip-research", "bin", configuration, "net10.0");
    }

    /// <summary>Runs <c>flip-research</c> with runs stored under <paramref name="workFolder"/>.</summary>
    public static Result Run(string workFolder, string[] args)
    {
        string dll = Path.Combine(BuildFolder(), "flip-research.dll");
        Assert.True(File.Exists(dll), $"the CLI is not built at {dll} (notebooks/flip.csx loads the libraries from there)");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["COLUMNS"] = "200";
        start.Environment["FLIP_NOTEBOOK_RUNS"] = Path.Combine(workFolder, "runs");
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        // A backstop against a hang, not a speed check.
        if (!process.WaitForExit(TimeSpan.FromMinutes(20)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"flip-research {string.Join(' ', args)} did not exit within 20 minutes; it was killed.");
        }

        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
