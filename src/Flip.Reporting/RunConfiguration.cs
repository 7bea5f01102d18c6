using System.Text.Json;

namespace Flip.Reporting;

/// <summary>A run's configuration as <c>run.json</c> records it, shown as its top-level keys and values.</summary>
/// <remarks>The report treats <c>run.json</c> as an opaque JSON object: its schema belongs to the run store, and a
/// report must still open a run written by an older or newer version. Nested objects and arrays are shown as
/// compact JSON.</remarks>
public sealed class RunConfiguration
{
    private RunConfiguration(IReadOnlyList<KeyValuePair<string, string>> entries) => Entries = entries;

    /// <summary>The top-level keys, in file order, each with its value as text (strings without quotes).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Entries { get; }

    /// <summary>The value of a top-level key as text, or <see langword="null"/> when absent.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public string? this[string key] => Entries.FirstOrDefault(e => e.Key == key) is { Key: not null } e ? e.Value : null;

    /// <summary>A configuration from key/value pairs, e.g. in a notebook or a test.</summary>
    /// <param name="entries">The entries, in display order.</param>
    /// <returns>The configuration.</returns>
    public static RunConfiguration From(IEnumerable<KeyValuePair<string, string>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return new([.. entries]);
    }

    /// <summary>Reads <c>run.json</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="ReportInputException">The file is missing, is not JSON, or is not a JSON object; the message names the line.</exception>
    public static RunConfiguration Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw ReportInputException.Missing(path, "the run's configuration as a JSON object");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw ReportInputException.BadJson(path, 1, "$", "a JSON " + document.RootElement.ValueKind.ToString().ToLowerInvariant(), "a JSON object");
            return new([.. document.RootElement.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, Text(p.Value)))]);
        }
        catch (JsonException e)
        {
            throw ReportInputException.BadJson(path, (e.LineNumber ?? -1) + 1, e.Path ?? "$", "text that is not JSON (" + e.Message + ")", "a JSON object", e);
        }
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Object or JsonValueKind.Array => JsonSerializer.Serialize(value),
        _ => value.GetRawText(),
    };
}
