using System.Text.Json;
using System.Text.Json.Nodes;
using Flip.Federated.Runs;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;

namespace Flip.Notebooks;

/// <summary>Reads <c>.ipynb</c> and <c>.dib</c> notebooks into .NET Interactive's document model and writes executed ones back.</summary>
public static class NotebookFile
{
    /// <summary>The kernels a FLIP notebook may use: C# (code) and Markdown (prose).</summary>
    /// <returns>A fresh collection with C# as the default.</returns>
    public static KernelInfoCollection Kernels()
    {
        var kernels = new KernelInfoCollection
        {
            new KernelInfo("csharp", "C#", ["c#", "cs"]),
            new KernelInfo("markdown", "Markdown", ["md"]),
        };
        kernels.DefaultKernelName = "csharp";
        return kernels;
    }

    /// <summary>Reads a notebook.</summary>
    /// <param name="path">An <c>.ipynb</c> or <c>.dib</c> file.</param>
    /// <returns>The document; for an <c>.ipynb</c>, each cell's <c>tags</c> are in its element's metadata.</returns>
    /// <exception cref="FlipException">The file is missing, has another extension, or does not parse.</exception>
    public static InteractiveDocument Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FlipException($"{path}: no such notebook.", ExitCodes.BadInput, "pass the path of an .ipynb or .dib file");
        }

        string text = File.ReadAllText(path);
        try
        {
            switch (Path.GetExtension(path).ToLowerInvariant())
            {
                case ".ipynb":
                    InteractiveDocument notebook = Notebook.Parse(text, Kernels());
                    CopyTagsAndIds(text, notebook);
                    return notebook;
                case ".dib":
                    return CodeSubmission.Parse(text, Kernels());
                default:
                    throw new FlipException($"{path}: not a notebook (expected the extension .ipynb or .dib).", ExitCodes.BadInput,
                        "pass a Jupyter (.ipynb) or Polyglot (.dib) notebook");
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new FlipException($"{path}: not a valid notebook ({e.Message}).", ExitCodes.BadInput,
                "open and save it in VS Code or Jupyter, or restore it from version control", e);
        }
    }

    /// <summary>The tags of a cell (<c>metadata.tags</c> of an <c>.ipynb</c> cell).</summary>
    /// <param name="cell">The cell.</param>
    /// <returns>The tags, empty when none.</returns>
    public static IReadOnlyList<string> Tags(InteractiveDocumentElement cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return cell.Metadata is { } metadata && metadata.TryGetValue("tags", out object? tags) && tags is IEnumerable<string> list ? [.. list] : [];
    }

    /// <summary>Writes an executed notebook as <c>.ipynb</c> (nbformat 4.5; a <c>.dib</c> cannot hold outputs), atomically.</summary>
    /// <remarks>Cells keep their tags and ids (a cell without one, from a <c>.dib</c> or injected, gets <c>cell-N</c>, N its
    /// position); the document's top-level metadata (the kernel spec of the file it was read from, and
    /// the runner's record under <see cref="NotebookRunner.MetadataKey"/>) is written as JSON.</remarks>
    /// <param name="document">The document with outputs.</param>
    /// <param name="path">The file to write.</param>
    public static void WriteJupyter(InteractiveDocument document, string path)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(path);
        var cells = new JsonArray();
        var ids = new HashSet<string>(document.Elements.Select(CellId).OfType<string>(), StringComparer.Ordinal);
        int position = 0;
        foreach (InteractiveDocumentElement element in document.Elements)
        {
            position++;
            string id = CellId(element) ?? NewCellId(ids, position);
            var metadata = new JsonObject();
            IReadOnlyList<string> tags = Tags(element);
            if (tags.Count > 0) metadata["tags"] = new JsonArray([.. tags.Select(t => JsonValue.Create(t))]);
            if (element.KernelName is "markdown" or "md")
            {
                cells.Add(new JsonObject { ["cell_type"] = "markdown", ["id"] = id, ["metadata"] = metadata, ["source"] = Lines(element.Contents) });
                continue;
            }

            metadata["dotnet_interactive"] = new JsonObject { ["language"] = element.KernelName };
            metadata["polyglot_notebook"] = new JsonObject { ["kernelName"] = element.KernelName };
            cells.Add(new JsonObject
            {
                ["cell_type"] = "code",
                ["id"] = id,
                ["execution_count"] = element.ExecutionOrder > 0 ? element.ExecutionOrder : null,
                ["metadata"] = metadata,
                ["outputs"] = new JsonArray([.. element.Outputs.Select(o => Output(o, element.ExecutionOrder))]),
                ["source"] = Lines(element.Contents),
            });
        }

        JsonObject top = new()
        {
            ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
            ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
            ["polyglot_notebook"] = new JsonObject
            {
                ["kernelInfo"] = new JsonObject
                {
                    ["defaultKernelName"] = "csharp",
                    ["items"] = new JsonArray(new JsonObject { ["name"] = "csharp", ["aliases"] = new JsonArray() }),
                },
            },
        };
        if (document.Metadata.TryGetValue(NotebookRunner.MetadataKey, out object? run) && run is JsonNode runNode)
        {
            top[NotebookRunner.MetadataKey] = runNode.DeepClone();
        }

        var root = new JsonObject { ["cells"] = cells, ["metadata"] = top, ["nbformat"] = 4, ["nbformat_minor"] = 5 };
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        AtomicFile.WriteText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static JsonObject Output(InteractiveDocumentOutputElement output, int executionCount) => output switch
    {
        TextElement t => new JsonObject { ["output_type"] = "stream", ["name"] = t.Name, ["text"] = Lines(t.Text) },
        ReturnValueElement r => new JsonObject { ["output_type"] = "execute_result", ["data"] = Data(r.Data), ["execution_count"] = executionCount, ["metadata"] = new JsonObject() },
        DisplayElement d => new JsonObject { ["output_type"] = "display_data", ["data"] = Data(d.Data), ["metadata"] = new JsonObject() },
        ErrorElement e => new JsonObject
        {
            ["output_type"] = "error", ["ename"] = e.ErrorName, ["evalue"] = e.ErrorValue,
            ["traceback"] = new JsonArray([.. e.StackTrace.Select(l => JsonValue.Create(l))]),
        },
        _ => new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = new JsonArray() },
    };

    private static JsonObject Data(IDictionary<string, object> data)
        => new([.. data.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Lines(kv.Value?.ToString() ?? "")))]);

    // nbformat stores multi-line strings as a list of lines, each keeping its newline.
    private static JsonArray Lines(string text)
    {
        var lines = new JsonArray();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                lines.Add(JsonValue.Create(text[start..(i + 1)]));
                start = i + 1;
            }
        }

        if (start < text.Length) lines.Add(JsonValue.Create(text[start..]));
        return lines;
    }

    // The cell id of nbformat 4.5 (https://nbformat.readthedocs.io, "cell ids"), kept in the element's metadata.
    private const string CellIdKey = "id";

    private static string? CellId(InteractiveDocumentElement element)
        => element.Metadata is { } metadata && metadata.TryGetValue(CellIdKey, out object? id) && id is string { Length: > 0 } text ? text : null;

    private static string NewCellId(HashSet<string> used, int position)
    {
        string id = $"cell-{position}";
        for (int n = 2; !used.Add(id); n++) id = $"cell-{position}-{n}";
        return id;
    }

    private static void CopyTagsAndIds(string json, InteractiveDocument notebook)
    {
        if (JsonNode.Parse(json)?["cells"] is not JsonArray cells) return;
        for (int i = 0; i < cells.Count && i < notebook.Elements.Count; i++)
        {
            if (cells[i]?["metadata"]?["tags"] is JsonArray tags)
            {
                var metadata = notebook.Elements[i].Metadata ??= new Dictionary<string, object>();
                metadata["tags"] = tags.Select(t => t?.GetValue<string>() ?? "").ToList();
            }

            if (cells[i]?["id"] is JsonValue id && id.TryGetValue(out string? text) && text.Length > 0)
            {
                (notebook.Elements[i].Metadata ??= new Dictionary<string, object>())[CellIdKey] = text;
            }
        }
    }
}
