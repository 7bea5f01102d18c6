using Flip.Reporting;

namespace Flip.Notebooks;

/// <summary>plotly.js inline, once per notebook: the first chart a kernel displays carries the script, later ones reuse it.</summary>
internal static class PlotlyOnce
{
    private static int emitted;
    private static int counter;

    public static void Reset()
    {
        Interlocked.Exchange(ref emitted, 0);
    }

    /// <summary>The script the first time it is asked for since <see cref="Reset"/>, then an empty string.</summary>
    public static string Script() => Interlocked.Exchange(ref emitted, 1) == 0 ? Html.PlotlyScript() + "\n" : "";

    /// <summary>A page-unique element id prefix for one output.</summary>
    public static string NextId(string kind) => $"flip-{kind}-{Interlocked.Increment(ref counter)}-{System.Environment.ProcessId}";
}
