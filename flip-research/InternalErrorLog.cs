namespace Flip.Cli;

/// <summary>Writes the details of a bug to a log file, so the console shows one sentence.</summary>
internal static class InternalErrorLog
{
    public static string Write(Exception e)
    {
        string folder = Path.Combine(Path.GetTempPath(), "flip-research");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, $"error-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.log");
        File.WriteAllText(path, $"flip-research {typeof(InternalErrorLog).Assembly.GetName().Version}\n{e}\n");
        return path;
    }
}
