using System.Diagnostics;

namespace Flip.Cli.Commands;

/// <summary>Runs a peer benchmark script (shipped in Bench/) in a fresh Python process and returns what it printed.</summary>
internal static class PythonPeer
{
    public static string Run(string script, IReadOnlyList<string> args, string what, string fix, IReadOnlyDictionary<string, string>? environment = null)
    {
        // FLIP_PEER_PYTHON picks an interpreter (a venv with PyTorch); else Debian's, which python3-torch, -numpy and -pydicom serve.
        string python = Environment.GetEnvironmentVariable("FLIP_PEER_PYTHON")
            ?? (File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Bench", script));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new FlipException($"{what} needs {python}, which could not be started.", ExitCodes.Environment, fix);
        }

        using (process)
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                string last = error.Result.Trim().Split('\n').LastOrDefault() ?? string.Empty;
                throw new FlipException($"{what} exited with {process.ExitCode}: {last}", ExitCodes.Environment, fix);
            }

            return output.Result;
        }
    }
}
