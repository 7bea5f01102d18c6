using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace Flip.Notebooks.Tests;

/// <summary>Small notebooks written to a temporary folder for the runner's tests.</summary>
internal static class TestNotebooks
{
    public static string RepositoryRoot([CallerFilePath] string file = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));

    public static string Folder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "flip-notebook-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static JsonObject Code(string source, params string[] tags)
    {
        var metadata = new JsonObject { ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" } };
        if (tags.Length > 0) metadata["tags"] = new JsonArray([.. tags.Select(t => JsonValue.Create(t))]);
        return new JsonObject { ["cell_type"] = "code", ["execution_count"] = null, ["metadata"] = metadata, ["outputs"] = new JsonArray(), ["source"] = source };
    }

    public static JsonObject Markdown(string source) => new() { ["cell_type"] = "markdown", ["metadata"] = new JsonObject(), ["source"] = source };

    public static string WriteIpynb(string folder, string name, params JsonObject[] cells)
    {
        var notebook = new JsonObject
        {
            ["cells"] = new JsonArray(cells),
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["polyglot_notebook"] = new JsonObject { ["kernelInfo"] = new JsonObject { ["defaultKernelName"] = "csharp", ["items"] = new JsonArray(new JsonObject { ["name"] = "csharp" }) } },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, notebook.ToJsonString());
        return path;
    }

    public static JsonObject Load(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    /// <summary>Every output text of one cell (stream text, displayed data as text/plain when there is one), joined.</summary>
    public static string OutputText(JsonNode cell) => string.Join("\n", (cell["outputs"]?.AsArray() ?? []).Select(o =>
        o!["text"] is JsonNode text ? Join(text)
        : o["data"] is JsonObject data ? Join(data["text/plain"] ?? data.First().Value!)
        : $"{o["ename"]}: {o["evalue"]}"));

    /// <summary>Every output of one cell as HTML (or its text), joined.</summary>
    public static string OutputHtml(JsonNode cell) => string.Join("\n", (cell["outputs"]?.AsArray() ?? []).Select(o =>
        o!["data"] is JsonObject data ? Join(data["text/html"] ?? data.First().Value!) : o["text"] is JsonNode text ? Join(text) : $"{o["ename"]}: {o["evalue"]}"));

    private static string Join(JsonNode node) => node is JsonArray lines ? string.Concat(lines.Select(l => l!.GetValue<string>())) : node.GetValue<string>();
}
