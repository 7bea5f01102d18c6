using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace Flip.Notebooks;

/// <summary>Turns a cell's kernel events into notebook outputs (stdout/stderr text, displayed values, the return value, the error).</summary>
internal static class CellOutputs
{
    public static string? Collect(IEnumerable<KernelEvent> events, InteractiveDocumentElement cell)
    {
        string? error = null;
        var displays = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (KernelEvent e in events)
        {
            switch (e)
            {
                case StandardOutputValueProduced o:
                    AppendText(cell, "stdout", Plain(o.FormattedValues));
                    break;
                case StandardErrorValueProduced o:
                    AppendText(cell, "stderr", Plain(o.FormattedValues));
                    break;
                case DisplayedValueUpdated u when u.ValueId is { } id && displays.TryGetValue(id, out int at):
                    cell.Outputs[at] = new DisplayElement(Data(u));
                    break;
                case ReturnValueProduced r:
                    var value = new ReturnValueElement { ExecutionOrder = cell.ExecutionOrder };
                    foreach (var (mime, text) in Data(r)) value.Data[mime] = text;
                    cell.Outputs.Add(value);
                    break;
                case DisplayEvent d and (DisplayedValueProduced or DisplayedValueUpdated):
                    if (d.ValueId is { } valueId) displays[valueId] = cell.Outputs.Count;
                    cell.Outputs.Add(new DisplayElement(Data(d)));
                    break;
                case CommandFailed f:
                    error = OneLine(f.Message);
                    cell.Outputs.Add(Error(f.Exception?.GetType().Name ?? "Error", f.Message,
                        f.Exception?.StackTrace?.Split('\n') ?? []));
                    break;
            }
        }

        return error;
    }

    /// <summary>An error output; .NET Interactive's constructor takes the value before the name.</summary>
    public static ErrorElement Error(string name, string value, string[] stackTrace) => new(value, name, stackTrace);

    private static string OneLine(string message)
    {
        string first = message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? message;
        return first.Length > 400 ? first[..400] + "…" : first;
    }

    private static string Plain(IReadOnlyCollection<FormattedValue> values)
        => values.FirstOrDefault(v => v.MimeType == PlainTextFormatter.MimeType)?.Value ?? values.FirstOrDefault()?.Value ?? "";

    // The kernel formats a value in its preferred type only (HTML); Jupyter tools that read text need text/plain too.
    private static Dictionary<string, object> Data(DisplayEvent e)
    {
        var data = e.FormattedValues.Where(v => !v.SuppressDisplay).GroupBy(v => v.MimeType).ToDictionary(g => g.Key, g => (object)g.First().Value);
        if (data.Count > 0 && !data.ContainsKey(PlainTextFormatter.MimeType) && e.Value is not null)
        {
            data[PlainTextFormatter.MimeType] = e.Value.ToDisplayString(PlainTextFormatter.MimeType);
        }

        return data;
    }

    private static void AppendText(InteractiveDocumentElement cell, string stream, string text)
    {
        if (cell.Outputs.Count > 0 && cell.Outputs[^1] is TextElement last && last.Name == stream)
        {
            cell.Outputs[^1] = new TextElement(last.Text + text, stream);
        }
        else
        {
            cell.Outputs.Add(new TextElement(text, stream));
        }
    }
}
