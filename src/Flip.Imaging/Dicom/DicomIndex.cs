using System.Collections.Concurrent;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.Dicom;

/// <summary>Indexes a folder of DICOM files into studies and series, reading headers only.</summary>
/// <remarks>
/// Files are read with <see cref="DicomReadOptions.HeaderOnly"/> in parallel (one file per task,
/// no shared state but the result bags), so indexing scales with cores. A file that is not DICOM
/// or is malformed becomes a <see cref="DicomIndexFailure"/> rather than stopping the scan.
/// </remarks>
public static class DicomIndex
{
    private sealed record Header(string File, string PatientId, string Study, string Series, string Modality, string Description,
        int Frames, double[]? Position, double[]? Orientation, double[]? PixelSpacing, double SliceThickness, string Syntax);

    /// <summary>Indexes every file under a folder (recursively).</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="maxParallelism">Files read at once.</param>
    /// <param name="ct">Cancels the scan.</param>
    /// <returns>The series and the failures.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static DicomIndexResult Scan(string directory, int maxParallelism = 0, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"folder '{directory}' does not exist; expected a folder of DICOM files.");
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToList();
        var headers = new ConcurrentBag<Header>();
        var failures = new ConcurrentBag<DicomIndexFailure>();
        var parallel = new ParallelOptions
        {
            CancellationToken = ct,
            MaxDegreeOfParallelism = maxParallelism > 0 ? maxParallelism : Environment.ProcessorCount,
        };
        Parallel.ForEach(files, parallel, file =>
        {
            try
            {
                headers.Add(Read(file));
            }
            catch (FlipException e)
            {
                failures.Add(new DicomIndexFailure(file, e.Message));
            }
            catch (IOException e)
            {
                failures.Add(new DicomIndexFailure(file, $"{Path.GetFileName(file)}: cannot be read ({e.Message})."));
            }
            catch (UnauthorizedAccessException e)
            {
                failures.Add(new DicomIndexFailure(file, $"{Path.GetFileName(file)}: cannot be read ({e.Message})."));
            }
        });
        var series = headers.GroupBy(h => h.Series, StringComparer.Ordinal)
            .Select(Summarise)
            .OrderBy(s => s.PatientId, StringComparer.Ordinal)
            .ThenBy(s => s.StudyInstanceUid, StringComparer.Ordinal)
            .ThenBy(s => s.SeriesInstanceUid, StringComparer.Ordinal)
            .ToList();
        return new DicomIndexResult(series, failures.OrderBy(f => f.File, StringComparer.Ordinal).ToList());
    }

    private static Header Read(string file)
    {
        var dicom = DicomFile.Open(file, DicomReadOptions.HeaderOnly);
        var ds = dicom.Dataset;
        double[]? Doubles(DicomTag tag, int count)
        {
            if (!ds.Contains(tag)) return null;
            try
            {
                var v = ds.GetDoubles(tag);
                return v.Length >= count ? v : null;
            }
            catch (DicomFormatException)
            {
                return null;
            }
        }
        return new Header(file,
            ds.GetStringOrDefault(DicomTag.PatientId, ""),
            ds.GetStringOrDefault(DicomTag.StudyInstanceUid, ""),
            ds.GetStringOrDefault(DicomTag.SeriesInstanceUid, ""),
            ds.GetStringOrDefault(DicomTag.Modality, ""),
            ds.GetStringOrDefault(DicomTag.SeriesDescription, ""),
            ds.GetInt32OrDefault(DicomTag.NumberOfFrames, 1),
            Doubles(DicomTag.ImagePositionPatient, 3),
            Doubles(DicomTag.ImageOrientationPatient, 6),
            Doubles(DicomTag.PixelSpacing, 2),
            ds.GetDoubleOrDefault(DicomTag.SliceThickness, double.NaN),
            dicom.TransferSyntax.Uid);
    }

    private static DicomSeriesSummary Summarise(IGrouping<string, Header> group)
    {
        var headers = group.OrderBy(h => h.File, StringComparer.Ordinal).ToList();
        var first = headers[0];
        Vector3D? spacing = null;
        if (first.PixelSpacing is { } ps)
        {
            double z = first.SliceThickness;
            var placed = headers.Where(h => h.Position is not null && h.Orientation is not null).ToList();
            if (placed.Count > 1 && first.Orientation is { } o)
            {
                var normal = new Vector3D(o[0], o[1], o[2]).Cross(new Vector3D(o[3], o[4], o[5])).Normalize();
                var distances = placed.Select(h => new Vector3D(h.Position![0], h.Position[1], h.Position[2]).Dot(normal)).Order().ToArray();
                var gaps = distances.Zip(distances.Skip(1), (a, b) => b - a).Where(g => g > 1e-3).Order().ToArray();
                if (gaps.Length > 0) z = gaps[gaps.Length / 2];
            }
            spacing = new Vector3D(ps[1], ps[0], z);
        }
        return new DicomSeriesSummary(first.PatientId, first.Study, first.Series, first.Modality, first.Description,
            headers.Sum(h => Math.Max(1, h.Frames)), spacing, first.Syntax, headers.Select(h => h.File).ToList());
    }
}
