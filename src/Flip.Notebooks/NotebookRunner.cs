using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace Flip.Notebooks;

/// <summary>Runs notebooks headless, like <c>jupyter nbconvert --execute</c> with papermill's parameters: each C# cell in
/// turn in an in-process .NET Interactive C# kernel, outputs written into a copy of the notebook, stop at the first
/// failing cell.</summary>
/// <remarks>
/// Every notebook gets a fresh kernel, and runs with its own folder as the current directory (so the first cell's
/// <c>#load "flip.csx"</c> resolves as it does in VS Code). Cells of other languages than C# and Markdown fail the run.
/// </remarks>
public static class NotebookRunner
{
    /// <summary>The key under the notebook's top-level metadata where the runner records the run (parameters used,
    /// time, outcome), as papermill does under <c>papermill</c>.</summary>
    public const string MetadataKey = "flip_notebook_run";

    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>Runs one notebook.</summary>
    /// <param name="path">The <c>.ipynb</c> or <c>.dib</c> file.</param>
    /// <param name="options">Output place, parameters, timeouts, log.</param>
    /// <param name="ct">Stops the run between cells (and asks the kernel to cancel the running one).</param>
    /// <returns>What happened; a failing cell is a result, not an exception.</returns>
    /// <exception cref="FlipException">The notebook can't be read, a parameter is unknown or of the wrong type, or in-place was asked for a <c>.dib</c>.</exception>
    public static async Task<NotebookRunResult> RunAsync(string path, NotebookRunOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new NotebookRunOptions();
        var (document, outputPath, overrides) = Prepare(path, options);
        Formatter.ResetToDefault();
        // One notebook at a time per process: the current directory and the formatters are process-wide.
        await OneAtATime.WaitAsync(ct).ConfigureAwait(false);
        string previousDirectory = Directory.GetCurrentDirectory();
        long started = Stopwatch.GetTimestamp();
        int codeCells = document.Elements.Count(IsCode);
        int ran = 0;
        int? failedCell = null;
        string? error = null;
        try
        {
            Directory.SetCurrentDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            using CompositeKernel kernel = CreateKernel();
            DateTime deadline = DateTime.UtcNow + options.NotebookTimeout;
            int executionCount = 0;
            for (int i = 0; i < document.Elements.Count; i++)
            {
                InteractiveDocumentElement cell = document.Elements[i];
                if (!IsCode(cell))
                {
                    if (cell.KernelName is not ("markdown" or "md"))
                    {
                        (failedCell, error) = (i + 1, $"the cell's language is '{cell.KernelName}'; the runner runs C# and Markdown cells only");
                        break;
                    }

                    continue;
                }

                ct.ThrowIfCancellationRequested();
                cell.Outputs.Clear();
                cell.ExecutionOrder = ++executionCount;
                TimeSpan left = deadline - DateTime.UtcNow;
                bool notebookLimit = left < options.CellTimeout;
                TimeSpan limit = notebookLimit ? left : options.CellTimeout;
                long cellStarted = Stopwatch.GetTimestamp();
                string? cellError = limit <= TimeSpan.Zero
                    ? $"the notebook's time limit of {Format(options.NotebookTimeout)} ran out before this cell"
                    : await RunCellAsync(kernel, cell, limit, notebookLimit ? $"the notebook's time limit of {Format(options.NotebookTimeout)}" : $"the cell time limit of {Format(options.CellTimeout)}", ct).ConfigureAwait(false);
                options.Log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Path.GetFileName(path)}: cell {i + 1} {(cellError is null ? "ok" : "FAILED")} ({Stopwatch.GetElapsedTime(cellStarted).TotalSeconds:0.0} s)"));
                options.Log?.Flush();
                if (cellError is not null)
                {
                    (failedCell, error) = (i + 1, cellError);
                    break;
                }

                ran++;
            }
        }
        finally
        {
            Directory.SetCurrentDirectory(previousDirectory);
            OneAtATime.Release();
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        document.Metadata[MetadataKey] = new JsonObject
        {
            ["parameters"] = new JsonObject([.. overrides.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)JsonValue.Create(o.Value)))]),
            ["input_path"] = Path.GetFileName(path),
            ["duration_seconds"] = Math.Round(elapsed.TotalSeconds, 3),
            ["cells_run"] = ran,
            ["failed_cell"] = failedCell,
            ["error"] = error,
        };
        NotebookFile.WriteJupyter(document, outputPath);
        return new NotebookRunResult(path, outputPath, ran, codeCells, elapsed, failedCell, error);
    }

    /// <summary>Checks, without running anything, that a notebook reads, takes the parameters and has a place for its
    /// outputs: what <see cref="RunAsync"/> would refuse before its first cell.</summary>
    /// <param name="path">The notebook.</param>
    /// <param name="options">The options it would run with.</param>
    /// <exception cref="FlipException">As <see cref="RunAsync"/>.</exception>
    public static void Validate(string path, NotebookRunOptions options) => Prepare(path, options);

    private static (InteractiveDocument Document, string OutputPath, IReadOnlyList<KeyValuePair<string, string>> Overrides) Prepare(string path, NotebookRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        InteractiveDocument document = NotebookFile.Read(path);
        string outputPath = OutputPath(path, options);
        var overrides = NotebookParameters.ParseOverrides(options.Parameters);
        InjectParameters(path, document, overrides);
        return (document, outputPath, overrides);
    }

    /// <summary>Where the executed copy of a notebook goes.</summary>
    /// <param name="path">The notebook.</param>
    /// <param name="options">The output folder or in-place choice.</param>
    /// <returns>An <c>.ipynb</c> path.</returns>
    /// <exception cref="FlipException">In-place was asked for a <c>.dib</c>.</exception>
    public static string OutputPath(string path, NotebookRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        bool dib = Path.GetExtension(path).Equals(".dib", StringComparison.OrdinalIgnoreCase);
        if (options.InPlace)
        {
            return dib
                ? throw new FlipException($"{path}: --inplace can't write outputs into a .dib file (the format has no outputs).", ExitCodes.BadCommandLine,
                    "use --out DIR, which writes the executed notebook as .ipynb")
                : path;
        }

        string name = Path.GetFileNameWithoutExtension(path) + ".ipynb";
        return options.OutputFolder is { } folder
            ? Path.Combine(folder, name)
            : Path.Combine(Path.GetDirectoryName(path) ?? ".", Path.GetFileNameWithoutExtension(path) + ".out.ipynb");
    }

    /// <summary>A fresh kernel as VS Code's Polyglot Notebooks builds it for C#: <c>#r "nuget: ..."</c>, <c>#r</c> and
    /// <c>#load</c> directives, <c>display()</c> and the other kernel helpers.</summary>
    /// <returns>A composite kernel whose default is C#.</returns>
    public static CompositeKernel CreateKernel()
    {
        var csharp = new CSharpKernel()
            .UseNugetDirective((k, packages) =>
            {
                k.AddAssemblyReferences(packages.SelectMany(p => p.AssemblyPaths));
                return Task.CompletedTask;
            })
            .UseKernelHelpers()
            .UseValueSharing();
        var kernel = new CompositeKernel { csharp };
        kernel.DefaultKernelName = csharp.Name;
        return kernel;
    }

    private static bool IsCode(InteractiveDocumentElement cell) => cell.KernelName is "csharp" or "c#" or "cs" || (cell.KernelName is not ("markdown" or "md") && false);

    private static void InjectParameters(string path, InteractiveDocument document, IReadOnlyList<KeyValuePair<string, string>> overrides)
    {
        int index = document.Elements.ToList().FindIndex(c => NotebookFile.Tags(c).Contains(NotebookParameters.Tag)
            || (IsCode(c) && c.Contents.TrimStart().StartsWith(NotebookParameters.DibMarker, StringComparison.Ordinal)));
        if (index < 0)
        {
            if (overrides.Count > 0)
            {
                throw new FlipException($"{path}: --param was given but no cell is tagged '{NotebookParameters.Tag}' (or starts with '{NotebookParameters.DibMarker}' in a .dib).",
                    ExitCodes.BadCommandLine, "tag the cell of plain vars 'parameters', or drop --param");
            }

            return;
        }

        if (overrides.Count == 0) return;
        string code = NotebookParameters.Assignments(path, NotebookParameters.Parse(document.Elements[index].Contents), overrides);
        var injected = new InteractiveDocumentElement("// Injected by flip-research notebook run (--param)\n" + code, "csharp", [])
        {
            Metadata = new Dictionary<string, object> { ["tags"] = new List<string> { NotebookParameters.InjectedTag } },
        };
        document.Elements.Insert(index + 1, injected);
    }

    private static async Task<string?> RunCellAsync(CompositeKernel kernel, InteractiveDocumentElement cell, TimeSpan limit, string limitName, CancellationToken ct)
    {
        Task<KernelCommandResult> submit = kernel.SendAsync(new SubmitCode(cell.Contents, "csharp"), ct);
        Task finished = await Task.WhenAny(submit, Task.Delay(limit, ct)).ConfigureAwait(false);
        if (finished != submit)
        {
            ct.ThrowIfCancellationRequested();
            _ = kernel.SendAsync(new Cancel(), CancellationToken.None);
            string message = $"timed out after {Format(limit)} ({limitName})";
            cell.Outputs.Add(CellOutputs.Error("Timeout", message, []));
            return message;
        }

        KernelCommandResult result = await submit.ConfigureAwait(false);
        return CellOutputs.Collect(result.Events, cell);
    }

    internal static string Format(TimeSpan time) => time.TotalSeconds < 120
        ? string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.#} s")
        : string.Create(CultureInfo.InvariantCulture, $"{time.TotalMinutes:0.#} min");
}
