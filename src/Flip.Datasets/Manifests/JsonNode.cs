using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Flip.Datasets.Manifests;

/// <summary>A JSON value with the line it starts on: what <see cref="JsonDocument"/> forgets and a validator needs.</summary>
internal sealed class JsonNode
{
    private JsonNode(JsonValueKind kind, int line, string path)
    {
        Kind = kind;
        Line = line;
        Path = path;
    }

    public JsonValueKind Kind { get; }

    /// <summary>1-based line of the value (for a property's value: the line of its name).</summary>
    public int Line { get; private set; }

    /// <summary>JSON path such as <c>$.sites[0].source</c>.</summary>
    public string Path { get; }

    public string? Text { get; private set; }

    public double Number { get; private set; }

    public bool Boolean { get; private set; }

    public List<(string Name, JsonNode Value)> Properties { get; } = [];

    public List<JsonNode> Items { get; } = [];

    public JsonNode? this[string name] => Properties.FirstOrDefault(p => p.Name == name).Value;

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
    /// <exception cref="JsonException">Not JSON; <see cref="JsonException.LineNumber"/> is set.</exception>
    public static JsonNode Parse(byte[] utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var lines = LineStarts(utf8);
        if (!reader.Read())
        {
            throw new JsonException("the file is empty", null, 0, 0);
        }

        JsonNode root = ReadValue(ref reader, lines, "$", null);
        if (reader.Read())
        {
            throw new JsonException("more than one value at the top level", null, LineOf(lines, reader.TokenStartIndex) - 1, 0);
        }

        return root;
    }

    private static JsonNode ReadValue(ref Utf8JsonReader reader, List<long> lines, string path, int? line)
    {
        var node = new JsonNode(reader.TokenType switch
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
