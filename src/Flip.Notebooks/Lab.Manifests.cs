using System.Text.Json;
using System.Text.Json.Nodes;
using System.Globalization;
using System.Net;
using System.Text;
using Flip.Federated.Runs;
using Microsoft.AspNetCore.Html;

namespace Flip.Notebooks;

public static partial class Lab
{
    /// <summary>The manifest to read: <paramref name="manifest"/> itself, or, when <paramref name="dataRoot"/> is set, a copy
    /// (in the temporary folder) whose paths under the templates' <c>../data</c> folder point into <paramref name="dataRoot"/>
    /// instead — for data unpacked somewhere other than <c>data/</c> at the repository root.</summary>
    /// <param name="manifest">A manifest, e.g. <c>../datasets-manifests/picai-public.json</c>.</param>
    /// <param name="dataRoot">The folder the downloads were unpacked into (what <c>data/</c> is in the templates' instructions); empty or <see langword="null"/> for the manifest as it is. It must be on the same drive as the temporary folder (manifests hold relative paths only).</param>
    /// <returns>The absolute path of the manifest to load.</returns>
    /// <exception cref="FlipException">The manifest is not a JSON object (use <c>Manifest.Validate</c> for every problem).</exception>
    public static string ManifestAt(string manifest, string? dataRoot)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        string path = Path.GetFullPath(manifest);
        if (string.IsNullOrWhiteSpace(dataRoot)) return path;
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("null");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException)
        {
            throw new FlipException($"manifest '{path}' could not be read as a JSON object ({e.Message}).", ExitCodes.BadInput, "check it with: flip-research dataset validate " + manifest);
        }

        string copy = Path.Combine(Path.GetTempPath(), "flip-notebook-manifests", Guid.NewGuid().ToString("N")[..12], Path.GetFileName(path));
        string folder = Path.GetDirectoryName(copy)!;
        root.Remove("$schema");  // relative to the original folder; only editors read it
        Rebase(root, Path.GetRelativePath(folder, Path.GetFullPath(dataRoot)).Replace('\\', '/'));  // manifests hold relative paths only
        Directory.CreateDirectory(folder);
        AtomicFile.WriteText(copy, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return copy;
    }

    /// <summary>Rows of any type (e.g. anonymous objects from a LINQ query) as a table styled like the report: one column
    /// per public property, in declaration order, values as invariant text, HTML-encoded.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="rows">The rows.</param>
    /// <param name="caption">The caption, or <see langword="null"/>.</param>
    /// <returns>HTML that displays itself.</returns>
    public static HtmlString Table<T>(IEnumerable<T> rows, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var properties = typeof(T).GetProperties();
        var html = new StringBuilder("<table class=\"flip-table\">\n");
        if (caption is not null) html.Append("<caption>").Append(WebUtility.HtmlEncode(caption)).Append("</caption>\n");
        html.Append("<thead><tr>");
        foreach (var property in properties) html.Append("<th>").Append(WebUtility.HtmlEncode(property.Name)).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (T row in rows)
        {
            html.Append("<tr>");
            foreach (var property in properties)
            {
                string text = Convert.ToString(property.GetValue(row), CultureInfo.InvariantCulture) ?? string.Empty;
                html.Append("<td>").Append(WebUtility.HtmlEncode(text)).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        return new HtmlString(FlipKernelExtension.Styled(html.Append("</tbody>\n</table>").ToString()));
    }

    private static void Rebase(JsonNode? node, string dataRoot)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (value is JsonValue v && v.TryGetValue(out string? text) && Rebased(text, dataRoot) is { } rebased) obj[name] = rebased;
                    else Rebase(value, dataRoot);
                }

                break;
            case JsonArray array:
                foreach (JsonNode? item in array) Rebase(item, dataRoot);
                break;
        }
    }

    private static string? Rebased(string text, string dataRoot)
    {
        string normal = text.Replace('\\', '/');
        if (normal == "../data") return dataRoot;
        return normal.StartsWith("../data/", StringComparison.Ordinal) ? dataRoot.TrimEnd('/') + "/" + normal["../data/".Length..] : null;
    }
}
