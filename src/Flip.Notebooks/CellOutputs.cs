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
                    cell.Outputs[at] = new DisplayElement(Data(u.FormattedValues));
                    break;
                case ReturnValueProduced r:
                    var value = new ReturnValueElement { ExecutionOrder = cell.ExecutionOrder };
                    foreach (var (mime, text) in Data(r.FormattedValues)) value.Data[mime] = text;
                    cell.Outputs.Add(value);
                    break;
                case DisplayEvent d and (DisplayedValueProduced or DisplayedValueUpdated):
                    if (d.ValueId is { } valueId) displays[valueId] = cell.Outputs.Count;
                    cell.Outputs.Add(new DisplayElement(Data(d.FormattedValues)));
                    break;
                case CommandFailed f:
                    error = OneLine(f.Message);
                    cell.Outputs.Add(new ErrorElement(f.Exception?.GetType().Name ?? "Error", f.Message,
                        f.Exception?.StackTrace?.Split('\n') ?? []));
                    break;
            }
        }

        return error;
    }

    private static string OneLine(string message)
    {
        string first = message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? message;
        return first.Length > 400 ? first[..400] + "…" : first;
    }

    private static string Plain(IReadOnlyCollection<FormattedValue> values)
        => values.FirstOrDefault(v => v.MimeType == PlainTextFormatter.MimeType)?.Value ?? values.FirstOrDefault()?.Value ?? "";

    private static Dictionary<string, object> Data(IReadOnlyCollection<FormattedValue> values)
        => values.Where(v => !v.SuppressDisplay).GroupBy(v => v.MimeType).ToDictionary(g => g.Key, g => (object)g.First().Value);

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
