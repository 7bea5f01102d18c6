using System.Globalization;
using System.Text;

namespace Flip.Flower.Objects;

/// <summary>Writes JSON text exactly as Python's <c>json.dumps</c> with default arguments does.</summary>
/// <remarks>
/// Separators <c>", "</c> and <c>": "</c>; <c>ensure_ascii=True</c>: <c>"</c> and <c>\</c> are
/// backslash-escaped, <c>\n \r \t \b \f</c> use their short escapes, every other character outside
/// printable ASCII (space to <c>~</c>) becomes <c>\uXXXX</c> with lowercase hex (surrogate pairs
/// above U+FFFF). Object ids depend on these bytes.
/// </remarks>
internal static class PythonJson
{
    public static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c is >= ' ' and <= '~')
                    {
                        sb.Append(c);
                    }
                    else
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    /// <summary><c>{"k1": "v1", "k2": "v2"}</c> for string values, in the given order.</summary>
    public static byte[] StringMap(IEnumerable<KeyValuePair<string, string>> entries)
    {
        var sb = new StringBuilder("{");
        bool first = true;
        foreach ((string k, string v) in entries)
        {
            if (!first)
            {
                sb.Append(", ");
            }

            first = false;
            WriteString(sb, k);
            sb.Append(": ");
            WriteString(sb, v);
        }

        sb.Append('}');
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    /// <summary>The body of a deflated Array: <c>{"dtype": …, "shape": […], "stype": …, "arraychunk_ids": […]}</c>.</summary>
    public static byte[] ArrayBody(string dtype, IEnumerable<int> shape, string stype, IEnumerable<int> chunkIndexes)
    {
        var sb = new StringBuilder("{\"dtype\": ");
        WriteString(sb, dtype);
        sb.Append(", \"shape\": [").AppendJoin(", ", shape).Append("], \"stype\": ");
        WriteString(sb, stype);
        sb.Append(", \"arraychunk_ids\": [").AppendJoin(", ", chunkIndexes).Append("]}");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }
}
