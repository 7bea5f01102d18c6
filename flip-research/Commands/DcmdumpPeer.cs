using System.ComponentModel;
using System.Diagnostics;
using Flip.Benchmarks.Imaging;

namespace Flip.Cli.Commands;

/// <summary>Times dcmtk's <c>dcmdump</c> over the same folder in one process, for <c>bench dicom --dcmtk</c>.</summary>
internal static class DcmdumpPeer
{
    /// <summary>One warm-up and <paramref name="passes"/> timed runs of <c>dcmdump -q -M +sd +r DIR</c> (headers and short values, long
    /// values such as Pixel Data left unloaded, output discarded) and of <c>dcmdump -q +M +sd +r DIR</c> (every value loaded).</summary>
    public static IReadOnlyList<DicomReadResult> Run(string folder, int passes, int files, long bytes)
    {
        return
        [
            Measure("headers only", ["-q", "-M", "+sd", "+r", folder], passes, files, bytes),
            Measure("all values", ["-q", "+M", "+sd", "+r", folder], passes, files, bytes),
        ];
    }

    private static DicomReadResult Measure(string shape, string[] arguments, int passes, int files, long bytes)
    {
        var seconds = new List<double>();
        for (int pass = 0; pass <= passes; pass++)
        {
            var start = new ProcessStartInfo("dcmdump") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in arguments)
            {
                start.ArgumentList.Add(a);
            }

            var clock = Stopwatch.StartNew();
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (Win32Exception e)
            {
                throw new FlipException("dcmdump is not installed; --dcmtk times it against our reader.", ExitCodes.Environment, "apt-get install -y dcmtk", e);
            }

            using (process)
            {
                Task drain = process.StandardError.ReadToEndAsync();
                process.StandardOutput.BaseStream.CopyTo(Stream.Null);
                process.WaitForExit();
                drain.Wait();
                clock.Stop();
                if (pass > 0)
                {
                    seconds.Add(clock.Elapsed.TotalSeconds);
                }
            }
        }

        seconds.Sort();
        double median = seconds[seconds.Count / 2];
        return new DicomReadResult(shape, 1, files, bytes, median, files / median, bytes / 1e6 / median);
    }
}
