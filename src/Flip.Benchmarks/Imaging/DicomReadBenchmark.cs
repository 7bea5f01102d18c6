using System.Collections.Concurrent;
using System.Diagnostics;
using Flip.Imaging.Dicom;
using Flip.Imaging.Volumes;

namespace Flip.Benchmarks.Imaging;

/// <summary>
/// Reading speed over a folder of DICOM files in three shapes, single-threaded, and the scaling of
/// <see cref="DicomIndex"/> from one thread to several: what <c>flip-research bench dicom DIR</c> reports.
/// </summary>
/// <remarks>
/// Shapes: headers only (stop before Pixel Data, as indexing does); every value materialised
/// (the whole file parsed, every text element decoded); with pixel data (the file read and every frame
/// decoded to real values, rescale slope and intercept applied, as pydicom's <c>pixel_array</c> × slope +
/// intercept); the same on several threads (files split between them); series to volume (every
/// series of the folder assembled by <see cref="SeriesVolume"/>, as pydicom + numpy stacking sorted
/// slices). One warm-up pass, then timed passes; the median pass counts.
/// </remarks>
public static class DicomReadBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    /// <param name="folder">A folder searched recursively; files that are not DICOM are left out before timing.</param>
    /// <param name="passes">Timed passes per shape.</param>
    /// <param name="threads">Threads for the index scaling measurement.</param>
    /// <returns>One row per shape, then the index rows.</returns>
    public static IReadOnlyList<DicomReadResult> Run(string folder, int passes = 5, int threads = 2)
    {
        string[] files = [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(IsDicom).Order(StringComparer.Ordinal)];
        if (files.Length == 0)
        {
            throw new FlipException($"'{folder}' holds no DICOM files.", ExitCodes.BadInput);
        }

        long bytes = files.Sum(f => new FileInfo(f).Length);
        var results = new List<DicomReadResult>
        {
            Measure("headers only", files, bytes, passes, f => DicomFile.Open(f, DicomReadOptions.HeaderOnly).Dataset.Count),
            Measure("all values", files, bytes, passes, AllValues),
            Measure("with pixel data", files, bytes, passes, WithPixelData),
        };
        if (threads > 1)
        {
            results.Add(Measure($"with pixel data, {threads} threads", files, bytes, passes, null, () =>
            {
                long sum = 0;
                Parallel.ForEach(Partitioner.Create(0, files.Length, Math.Max(1, files.Length / (threads * 8))), new ParallelOptions { MaxDegreeOfParallelism = threads }, range =>
                {
                    long local = 0;
                    for (int i = range.Item1; i < range.Item2; i++) local += WithPixelData(files[i]);
                    Interlocked.Add(ref sum, local);
                });
                return (int)sum;
            }, threads));
        }

        results.Add(Measure("series to volume", files, bytes, passes, null, () => SeriesToVolumes(files)));
        foreach (int t in new[] { 1, threads }.Distinct())
        {
            results.Add(Measure($"index, {t} thread(s)", files, bytes, passes, null, () => DicomIndex.Scan(folder, t).Series.Count, t));
        }

        return results;
    }

    private static int AllValues(string path) => AllValues(DicomFile.Open(path));

    [ThreadStatic]
    private static float[]? t_values;

    /// <summary>Reads a file and decodes every frame to real values, into one buffer per thread as a training loader would.</summary>
    private static int WithPixelData(string path)
    {
        var pixels = DicomPixelData.Create(DicomFile.Open(path));
        int n = pixels.Rows * pixels.Columns * pixels.SamplesPerPixel;
        if (t_values is null || t_values.Length < n) t_values = new float[n];
        for (int f = 0; f < pixels.FrameCount; f++) pixels.GetFrameValues(f, t_values);
        return n * pixels.FrameCount;
    }

    /// <summary>Groups the files by series and assembles each image series into a volume; series that do not form one are skipped.</summary>
    private static int SeriesToVolumes(string[] files)
    {
        int voxels = 0;
        foreach (var series in SeriesVolume.GroupBySeries(files.Select(f => DicomFile.Open(f))))
        {
            if (!series.All(h => h.Dataset.Contains(DicomTag.PixelData))) continue;
            try
            {
                voxels += SeriesVolume.FromFiles(series).Voxels.Length;
            }
            catch (FlipException)
            {
                // Not one regular volume (or not decodable): the peer skips it too.
            }
        }

        return voxels;
    }

    private static int AllValues(DicomFile file)
    {
        int touched = 0;
        foreach (DicomElement element in file.Dataset)
        {
            if (!element.IsSequence && element.VR.ToString() is "AE" or "AS" or "CS" or "DA" or "DS" or "DT" or "IS" or "LO" or "LT" or "PN" or "SH" or "ST" or "TM" or "UI")
            {
                touched += file.Dataset.TryGetString(element.Tag, out string? value) ? value.Length : 0;
            }
            else
            {
                touched += element.RawValue.Length > 0 ? 1 : 0;
            }
        }

        return touched;
    }

    private static bool IsDicom(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[132];
        return stream.Read(head) == 132 && head[128] == 'D' && head[129] == 'I' && head[130] == 'C' && head[131] == 'M';
    }

    private static DicomReadResult Measure(string shape, string[] files, long bytes, int passes, Func<string, int>? perFile, Func<int>? whole = null, int threads = 1)
    {
        long sink = 0;
        void Pass()
        {
            if (whole is not null)
            {
                sink += whole();
                return;
            }

            foreach (string file in files)
            {
                sink += perFile!(file);
            }
        }

        Pass(); // warm-up: page cache and tiered JIT
        var seconds = new List<double>();
        for (int i = 0; i < passes; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Pass();
            seconds.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        seconds.Sort();
        double median = seconds[seconds.Count / 2];
        GC.KeepAlive(sink);
        return new DicomReadResult(shape, threads, files.Length, bytes, median, files.Length / median, bytes / 1e6 / median);
    }
}
