using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Flip.Benchmarks;

/// <summary>
/// What every <c>flip-research bench</c> verb writes with <c>--json</c>: one document shape, one writer (<see cref="Write(TextWriter)"/>)
/// and one reader (<see cref="Read"/>), so that reports from two commits or two machines can be compared by <c>bench compare</c> or a script.
/// </summary>
/// <remarks>
/// The document: <c>{"schema": "flip-bench", "version": 1, "command": …, "created": ISO 8601, "machine": {"cores", "os", "runtime",
/// "torch-threads", "commit", "device"}, "results": [{"workload", "unit", "higher-is-better", "median", "min", "max", "runs", "threads",
/// "peer", "peer-median", "ratio"}]}</c>. Keys are lower kebab-case like every key FLIP writes; absent figures are <c>null</c>.
/// </remarks>
/// <param name="Command">The verb that measured, e.g. <c>bench federated</c>.</param>
/// <param name="Created">When the report was written.</param>
/// <param name="Machine">The machine and build.</param>
/// <param name="Results">The figures, at most one per workload and thread count.</param>
public sealed record BenchmarkReport(string Command, DateTimeOffset Created, BenchmarkMachine Machine, IReadOnlyList<BenchmarkRecord> Results)
{
    /// <summary>The value of <c>"schema"</c>.</summary>
    public const string Schema = "flip-bench";

    /// <summary>The value of <c>"version"</c> this build writes and reads.</summary>
    public const int Version = 1;

    /// <summary>A report measured now on this machine.</summary>
    /// <param name="command">The verb that measured.</param>
    /// <param name="torchThreads">libtorch intra-op threads, or <see langword="null"/> where the verb uses no libtorch.</param>
    /// <param name="results">The figures.</param>
    /// <param name="device">The libtorch device the workloads ran on, or <see langword="null"/> where the verb uses no libtorch.</param>
    /// <returns>The report.</returns>
    public static BenchmarkReport Create(string command, int? torchThreads, IEnumerable<BenchmarkRecord> results, string? device = null) =>
        new(command, DateTimeOffset.UtcNow, BenchmarkMachine.Current(torchThreads, device), [.. results]);

    /// <summary>Writes the report as indented JSON followed by a newline.</summary>
    /// <param name="writer">Where to write, e.g. standard output.</param>
    public void Write(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine(ToJson());
    }

    /// <summary>The report as indented JSON.</summary>
    /// <returns>The document.</returns>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("schema", Schema);
            json.WriteNumber("version", Version);
            json.WriteString("command", Command);
            json.WriteString("created", Created.ToString("O", CultureInfo.InvariantCulture));
            json.WriteStartObject("machine");
            json.WriteNumber("cores", Machine.Cores);
            json.WriteString("os", Machine.Os);
            json.WriteString("runtime", Machine.Runtime);
            WriteNumberOrNull(json, "torch-threads", Machine.TorchThreads);
            json.WriteString("commit", Machine.Commit);
            json.WriteString("device", Machine.Device);
            json.WriteEndObject();
            json.WriteStartArray("results");
            foreach (BenchmarkRecord r in Results)
            {
                json.WriteStartObject();
                json.WriteString("workload", r.Workload);
                json.WriteString("unit", r.Unit);
                json.WriteBoolean("higher-is-better", r.HigherIsBetter);
                WriteNumberOrNull(json, "median", r.Median);
                WriteNumberOrNull(json, "min", r.Min);
                WriteNumberOrNull(json, "max", r.Max);
                json.WriteNumber("runs", r.Runs);
                json.WriteNumber("threads", r.Threads);
                json.WriteString("peer", r.Peer);
                WriteNumberOrNull(json, "peer-median", r.PeerMedian);
                WriteNumberOrNull(json, "ratio", r.Ratio);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads a report written by <see cref="Write(TextWriter)"/>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The report.</returns>
    /// <exception cref="FlipException">The file is missing, is not JSON, or a value is missing or of the wrong kind; the message names the file and the JSON path.</exception>
    public static BenchmarkReport Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FlipException($"{path}: no such file; expected a report written by 'flip-research bench … --json'.", ExitCodes.BadInput);
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads a report from its JSON text.</summary>
    /// <param name="json">The document.</param>
    /// <param name="source">What to call it in errors, e.g. its file name.</param>
    /// <returns>The report.</returns>
    /// <exception cref="FlipException">The text is not JSON, or a value is missing or of the wrong kind; the message names <paramref name="source"/> and the JSON path.</exception>
    public static BenchmarkReport Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FlipException(string.Create(CultureInfo.InvariantCulture,
                $"{source}: not JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}; expected a report written by 'flip-research bench … --json'."), ExitCodes.BadInput, inner: e);
        }

        using (document)
        {
            var root = new Node(source, "$", document.RootElement);
            string schema = root.Property("schema").String();
            if (schema != Schema)
            {
                throw root.Property("schema").Error($"\"{Schema}\"", $"\"{schema}\"");
            }

            Node version = root.Property("version");
            if (version.Int() != Version)
            {
                throw version.Error(Version.ToString(CultureInfo.InvariantCulture) + " (this build's version)", version.Element.GetRawText());
            }

            Node machine = root.Property("machine");
            var results = new List<BenchmarkRecord>();
            var seen = new HashSet<(string, int)>();
            foreach (Node r in root.Property("results").Items())
            {
                string workload = r.Property("workload").String();
                int threads = r.Property("threads").Int();
                if (!seen.Add((workload, threads)))
                {
                    throw r.Property("workload").Error(string.Create(CultureInfo.InvariantCulture, $"one record per workload and thread count"), $"\"{workload}\" with {threads} threads a second time");
                }

                results.Add(new BenchmarkRecord(
                    r.Property("workload").String(), r.Property("unit").String(), r.Property("higher-is-better").Boolean(),
                    r.Property("median").Number(), r.Property("min").NumberOrNull(), r.Property("max").NumberOrNull(),
                    r.Property("runs").Int(), r.Property("threads").Int(), r.Property("peer").StringOrNull(), r.Property("peer-median").NumberOrNull()));
            }

            Node created = root.Property("created");
            if (!DateTimeOffset.TryParse(created.String(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTimeOffset when))
            {
                throw created.Error("an ISO 8601 date and time", created.Element.GetRawText());
            }

            return new BenchmarkReport(root.Property("command").String(), when,
                new BenchmarkMachine(machine.Property("cores").Int(), machine.Property("os").String(), machine.Property("runtime").String(),
                    machine.Property("torch-threads").IntOrNull(), machine.Property("commit").StringOrNull(), machine.Property("device").StringOrNull()),
                results);
        }
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    /// <summary>A JSON value and where it is, so that every error names the file and the JSON path.</summary>
    private readonly record struct Node(string Source, string Path, JsonElement Element)
    {
        public Node Property(string name)
        {
            if (Element.ValueKind != JsonValueKind.Object)
            {
                throw Error("an object", Kind(Element));
            }

            return Element.TryGetProperty(name, out JsonElement value)
                ? new Node(Source, $"{Path}.{name}", value)
                : throw new FlipException($"{Source}: {Path}.{name}: missing; expected a report written by 'flip-research bench … --json'.", ExitCodes.BadInput);
        }

        public IEnumerable<Node> Items()
        {
            if (Element.ValueKind != JsonValueKind.Array)
            {
                throw Error("an array", Kind(Element));
            }

            string path = Path, source = Source;
            return Element.EnumerateArray().Select((e, i) => new Node(source, string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"), e)).ToList();
        }

        public string String() => Element.ValueKind == JsonValueKind.String ? Element.GetString()! : throw Error("a string", Kind(Element));

        public string? StringOrNull() => Element.ValueKind == JsonValueKind.Null ? null : String();

        public bool Boolean() => Element.ValueKind is JsonValueKind.True or JsonValueKind.False ? Element.GetBoolean() : throw Error("true or false", Kind(Element));

        public double Number() => Element.ValueKind == JsonValueKind.Number ? Element.GetDouble() : throw Error("a number", Kind(Element));

        public double? NumberOrNull() => Element.ValueKind == JsonValueKind.Null ? null : Number();

        public int Int() => Element.ValueKind == JsonValueKind.Number && Element.TryGetInt32(out int value) ? value : throw Error("a whole number", Kind(Element));

        public int? IntOrNull() => Element.ValueKind == JsonValueKind.Null ? null : Int();

        public FlipException Error(string expected, string found) =>
            new($"{Source}: {Path}: expected {expected}, found {found}.", ExitCodes.BadInput);

        private static string Kind(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => $"the string {e.GetRawText()}",
            JsonValueKind.Null => "null",
            _ => e.GetRawText(),
        };
    }
}
