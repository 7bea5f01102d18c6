using System.Runtime.CompilerServices;

namespace Flip.Reporting.Tests;

/// <summary>Golden files under Expectations/&lt;Area&gt;/&lt;Name&gt;.&lt;ext&gt;; a mismatch writes .received. beside it, FLIP_ACCEPT=1 accepts.</summary>
internal static class Golden
{
    public static void Verify(string area, string name, string actual, string extension = "txt", [CallerFilePath] string callerFile = "")
    {
        string folder = Path.Combine(Path.GetDirectoryName(callerFile)!, "Expectations", area);
        string expectedPath = Path.Combine(folder, $"{name}.{extension}");
        string receivedPath = Path.Combine(folder, $"{name}.received.{extension}");
        actual = actual.ReplaceLineEndings("\n");
        if (Environment.GetEnvironmentVariable("FLIP_ACCEPT") == "1")
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(expectedPath, actual);
            File.Delete(receivedPath);
            return;
        }
        string? expected = File.Exists(expectedPath) ? File.ReadAllText(expectedPath).ReplaceLineEndings("\n") : null;
        if (expected == actual)
        {
            File.Delete(receivedPath);
            return;
        }
        Directory.CreateDirectory(folder);
        File.WriteAllText(receivedPath, actual);
        Assert.Fail(expected is null
            ? $"No golden file {expectedPath}; wrote {receivedPath}. Review it, then rerun with FLIP_ACCEPT=1 to accept."
            : $"{expectedPath} differs from the output; wrote {receivedPath}. Compare them, then rerun with FLIP_ACCEPT=1 to accept.");
    }
}
