using System.ComponentModel;
using System.Diagnostics;

namespace Flip.Imaging.Tests;

/// <summary>Runs dcmtk command-line tools; a missing tool fails the test with the install command (CI installs dcmtk).</summary>
internal static class Dcmtk
{
    public static string Run(string tool, string workDir, params string[] args)
    {
        var psi = new ProcessStartInfo(tool)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start '{tool}'");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"dcmtk tool '{tool}' is not installed; these tests need it: 'apt-get install -y dcmtk'.", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"'{tool} {string.Join(' ', args)}' exited with {process.ExitCode}: {stderr}");
            return stdout.Result;
        }
    }
}
