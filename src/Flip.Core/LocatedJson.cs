using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Flip;

/// <summary>
/// A JSON value with the line it starts on and its JSON path: what <see cref="JsonDocument"/> forgets and a
/// validator needs to say "file:line $.path: found …; expected …". The one JSON-with-line-numbers reader of
/// the project (manifests, experiment grids).
/// </summary>
public sealed class LocatedJson
{
    private LocatedJson(JsonValueKind kind, int line, string path)
    {
        Kind = kind;
        Line = line;
        Path = path;
    }

    /// <summary>The value's kind.</summary>
    public JsonValueKind Kind { get; }

    /// <summary>1-based line of the value (for a property's value: the line of its name).</summary>
    public int Line { get; private set; }

    /// <summary>JSON path such as <c>$.sites[0].source</c>.</summary>
    public string Path { get; }

    /// <summary>A string's value, or a number's text as written; otherwise <see langword="null"/>.</summary>
    public string? Text { get; private set; }

    /// <summary>A number's value.</summary>
    public double Number { get; private set; }

    /// <summary>A boolean's value.</summary>
    public bool Boolean { get; private set; }

    /// <summary>An object's properties in file order.</summary>
    public List<(string Name, LocatedJson Value)> Properties { get; } = [];

    /// <summary>An array's items in order.</summary>
    public List<LocatedJson> Items { get; } = [];

    /// <summary>An object's property by name, or <see langword="null"/>.</summary>
    /// <param name="name">The property name.</param>
    public LocatedJson? this[string name] => Properties.FirstOrDefault(p => p.Name == name).Value;

    /// <summary>A kind as a validation message says it: "an object", "a string", ….</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The words.</returns>
    public static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>Parses UTF-8 JSON (comments and trailing commas allowed).</summary>
    /// <param name="utf8">The file's bytes.</param>
    /// <returns>The root value.</returns>
    /// <exception cref="JsonException">Not JSON; <see cref="JsonException.LineNumber"/> is set.</exception>
    public static LocatedJson Parse(byte[] utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var lines = LineStarts(utf8);
        if (!reader.Read())
        {
            throw new JsonException("the file is empty", null, 0, 0);
        }

        LocatedJson root = ReadValue(ref reader, lines, "$", null);
        if (reader.Read())
        {
            throw new JsonException("more than one value at the top level", null, LineOf(lines, reader.TokenStartIndex) - 1, 0);
        }

        return root;
    }

    /// <summary>The line of this value and of every value inside it, by JSON path (<c>$</c>, <c>$.name</c>, <c>$.seeds[1]</c>).</summary>
    /// <returns>The lines.</returns>
    public IReadOnlyDictionary<string, int> LinesByPath()
    {
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        var pending = new Stack<LocatedJson>([this]);
        while (pending.Count > 0)
        {
            LocatedJson node = pending.Pop();
            lines.TryAdd(node.Path, node.Line);
            foreach (var (_, value) in node.Properties)
            {
                pending.Push(value);
            }

            foreach (LocatedJson item in node.Items)
            {
                pending.Push(item);
            }
        }

        return lines;
    }

    private static LocatedJson ReadValue(ref Utf8JsonReader reader, List<long> lines, string path, int? line)
    {
        var node = new LocatedJson(reader.TokenType switch
        {
            JsonTokenType.StartObject => JsonValueKind.Object,
            JsonTokenType.StartArray => JsonValueKind.Array,
            JsonTokenType.String => JsonValueKind.String,
            JsonTokenType.Number => JsonValueKind.Number,
            JsonTokenType.True => JsonValueKind.True,
            JsonTokenType.False => JsonValueKind.False,
            _ => JsonValueKind.Null,
        }, line ?? LineOf(lines, reader.TokenStartIndex), path);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    string name = reader.GetString()!;
                    int nameLine = LineOf(lines, reader.TokenStartIndex);
                    reader.Read();
                    node.Properties.Add((name, ReadValue(ref reader, lines, PropertyPath(path, name), nameLine)));
                }

                break;
            case JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    node.Items.Add(ReadValue(ref reader, lines, string.Create(CultureInfo.InvariantCulture, $"{path}[{node.Items.Count}]"), null));
                }

                break;
            case JsonTokenType.String:
                node.Text = reader.GetString();
                break;
            case JsonTokenType.Number:
                node.Number = reader.GetDouble();
                node.Text = Encoding.UTF8.GetString(reader.ValueSpan);
                break;
            case JsonTokenType.True:
            case JsonTokenType.False:
                node.Boolean = reader.GetBoolean();
                break;
        }

        return node;
    }

    private static string PropertyPath(string parent, string name)
        => name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') && name.Length > 0 ? $"{parent}.{name}" : $"{parent}['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";

    private static List<long> LineStarts(byte[] utf8)
    {
        var starts = new List<long> { 0 };
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                starts.Add(i + 1);
            }
        }

        return starts;
    }

    private static int LineOf(List<long> starts, long offset)
    {
        int index = starts.BinarySearch(offset);
        return (index >= 0 ? index : ~index - 1) + 1;
    }
}
