using System.Globalization;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Volumes;

/// <summary>Builds a <see cref="Volume"/> from the images of one DICOM series.</summary>
/// <remarks>
/// Single-frame series and multi-frame images are both supported. Slices are placed by Image
/// Position (Patient) and Image Orientation (Patient) (PS3.3 §C.7.6.2.1.1) — for enhanced
/// multi-frame images from the per-frame and shared functional groups (PS3.3 §C.7.6.16) — and
/// sorted along the slice normal (row × column direction cosines). The spacing between slices
/// must be uniform; gaps and duplicates are reported with the files at fault. Each slice's
/// own rescale slope and intercept turn stored values into real values.
/// </remarks>
public static class SeriesVolume
{
    private sealed record Slice(string Label, Vector3D Position, Vector3D Row, Vector3D Column, double RowSpacing, double ColumnSpacing,
        int Rows, int Columns, FrameLoader Load);

    /// <summary>Decodes one slice's real values straight into its place in the volume.</summary>
    private delegate void FrameLoader(Span<float> destination);

    /// <summary>Groups files by Series Instance UID, in order of first appearance.</summary>
    /// <param name="files">The files.</param>
    /// <returns>One list per series.</returns>
    public static IReadOnlyList<IReadOnlyList<DicomFile>> GroupBySeries(IEnumerable<DicomFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return files.GroupBy(f => f.Dataset.GetStringOrDefault(DicomTag.SeriesInstanceUid, ""))
            .Select(g => (IReadOnlyList<DicomFile>)g.ToList()).ToList();
    }

    /// <summary>Reads the files and builds the volume of their single series.</summary>
    /// <param name="paths">The files of one series.</param>
    /// <param name="options">Tolerances.</param>
    /// <returns>The volume.</returns>
    /// <exception cref="DicomFormatException">A file is not valid DICOM.</exception>
    /// <exception cref="VolumeAssemblyException">The slices do not form one regular volume.</exception>
    public static Volume Load(IEnumerable<string> paths, SeriesAssemblyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        // Pixel Data stays in each file until its slice is decoded straight into the volume (DicomPixelData.GetFrameValues).
        return FromFiles(paths.Select(p => DicomFile.Open(p)).ToList(), options);
    }

    /// <summary>Builds the volume of one series.</summary>
    /// <param name="files">Single-frame files of one series, in any order, or one multi-frame file.</param>
    /// <param name="options">Tolerances.</param>
    /// <returns>The volume.</returns>
    /// <exception cref="DicomFormatException">An attribute or the pixel data is malformed.</exception>
    /// <exception cref="VolumeAssemblyException">The slices do not form one regular volume.</exception>
    public static Volume FromFiles(IReadOnlyList<DicomFile> files, SeriesAssemblyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        options ??= SeriesAssemblyOptions.Default;
        if (files.Count == 0) throw VolumeAssemblyException.NoSlices();
        var series = files.Select(f => f.Dataset.GetStringOrDefault(DicomTag.SeriesInstanceUid, "")).Distinct().ToList();
        if (series.Count > 1) throw VolumeAssemblyException.MixedSeries(series);
        string? uid = series[0].Length == 0 ? null : series[0];
        var slices = files.SelectMany(f => SlicesOf(f, uid)).ToList();
        return Assemble(slices, uid, options, files[0].Dataset);
    }

    private static string Label(DicomFile file, int frame, int frames) =>
        (file.Path is null ? "<bytes>" : Path.GetFileName(file.Path)) + (frames > 1 ? $" frame {frame + 1}" : "");

    private static Vector3D Vec(double[] v, int at) => new(v[at], v[at + 1], v[at + 2]);

    private static double[] Required(DicomDataset ds, DicomTag tag, int count, string? uid, string label)
    {
        if (!ds.Contains(tag)) throw VolumeAssemblyException.MissingGeometry(uid, label, $"{tag} {tag.Keyword}");
        var values = ds.GetDoubles(tag);
        if (values.Length < count)
            throw VolumeAssemblyException.InconsistentSlices(uid, label, $"{tag} {tag.Keyword} has {values.Length} values; expected {count}.");
        return values;
    }

    private static IEnumerable<Slice> SlicesOf(DicomFile file, string? uid)
    {
        var ds = file.Dataset;
        var pixels = DicomPixelData.Create(file);
        if (pixels.SamplesPerPixel != 1)
            throw VolumeAssemblyException.InconsistentSlices(uid, Label(file, 0, 1), $"has {pixels.SamplesPerPixel} samples per pixel; expected 1 (a grey-scale image).");
        int frames = pixels.FrameCount;
        DicomDataset? shared = ds.TryGetSequence(DicomTag.SharedFunctionalGroupsSequence, out var sh) && sh.Count > 0 ? sh[0] : null;
        IReadOnlyList<DicomDataset>? perFrame = ds.TryGetSequence(DicomTag.PerFrameFunctionalGroupsSequence, out var pf) ? pf : null;

        // Looks an attribute up in a functional group macro: per-frame first, then shared, then the top level.
        double[] Find(DicomTag macro, DicomTag tag, int frame, int count, string label)
        {
            foreach (var group in new[] { perFrame is not null && frame < perFrame.Count ? perFrame[frame] : null, shared })
                if (group is not null && group.TryGetSequence(macro, out var items) && items.Count > 0 && items[0].Contains(tag))
                    return Required(items[0], tag, count, uid, label);
            return Required(ds, tag, count, uid, label);
        }

        for (int f = 0; f < frames; f++)
        {
            string label = Label(file, f, frames);
            var iop = Find(DicomTag.PlaneOrientationSequence, DicomTag.ImageOrientationPatient, f, 6, label);
            var spacing = Find(DicomTag.PixelMeasuresSequence, DicomTag.PixelSpacing, f, 2, label);
            Vector3D position;
            if (perFrame is not null)
            {
                position = Vec(Find(DicomTag.PlanePositionSequence, DicomTag.ImagePositionPatient, f, 3, label), 0);
            }
            else
            {
                // Classic multi-frame without functional groups: frames are stacked along the normal by Spacing Between Slices.
                position = Vec(Required(ds, DicomTag.ImagePositionPatient, 3, uid, label), 0);
                if (frames > 1)
                {
                    var normal = Vec(iop, 0).Cross(Vec(iop, 3)).Normalize();
                    double step = ds.TryGetDouble(DicomTag.SpacingBetweenSlices, out var s) ? s
                        : throw VolumeAssemblyException.MissingGeometry(uid, label, "(0018,0088) SpacingBetweenSlices or per-frame functional groups");
                    position += normal * (step * f);
                }
            }
            double slope = pixels.RescaleSlope, intercept = pixels.RescaleIntercept;
            foreach (var group in new[] { perFrame is not null && f < perFrame.Count ? perFrame[f] : null, shared })
            {
                if (group is not null && group.TryGetSequence(DicomTag.PixelValueTransformationSequence, out var pvt) && pvt.Count > 0)
                {
                    slope = pvt[0].GetDoubleOrDefault(DicomTag.RescaleSlope, slope);
                    intercept = pvt[0].GetDoubleOrDefault(DicomTag.RescaleIntercept, intercept);
                    break;
                }
            }
            CheckGeometry(uid, label, iop, spacing, position);
            int frame = f;
            yield return new Slice(label, position, Vec(iop, 0).Normalize(), Vec(iop, 3).Normalize(), spacing[0], spacing[1],
                pixels.Rows, pixels.Columns, destination => pixels.GetFrameValues(frame, slope, intercept, destination));
        }
    }

    // Values a file can hold but no volume can have: zero, negative or non-finite spacing, a degenerate orientation, a position at infinity.
    private static void CheckGeometry(string? uid, string label, double[] iop, double[] spacing, Vector3D position)
    {
        if (!(spacing[0] > 0 && spacing[1] > 0 && double.IsFinite(spacing[0]) && double.IsFinite(spacing[1])))
            throw VolumeAssemblyException.InconsistentSlices(uid, label, string.Create(CultureInfo.InvariantCulture,
                $"has Pixel Spacing {spacing[0]}\\{spacing[1]}; expected two finite distances above zero in mm (PS3.3 §10.7.1.3)."));
        Vector3D row = Vec(iop, 0), column = Vec(iop, 3);
        bool unit(Vector3D v) => double.IsFinite(v.Length) && Math.Abs(v.Length - 1) < 0.01;
        if (!unit(row) || !unit(column) || Math.Abs(row.Dot(column)) > 0.01)
            throw VolumeAssemblyException.InconsistentSlices(uid, label, string.Create(CultureInfo.InvariantCulture,
                $"has Image Orientation (Patient) {string.Join('\\', iop.Take(6))}; expected two orthogonal unit vectors (row, then column)."));
        if (!(double.IsFinite(position.X) && double.IsFinite(position.Y) && double.IsFinite(position.Z)))
            throw VolumeAssemblyException.InconsistentSlices(uid, label, string.Create(CultureInfo.InvariantCulture,
                $"has Image Position (Patient) {position.X}\\{position.Y}\\{position.Z}; expected three finite coordinates in mm."));
    }

    private static Volume Assemble(List<Slice> slices, string? uid, SeriesAssemblyOptions options, DicomDataset first)
    {
        var s0 = slices[0];
        foreach (var s in slices)
        {
            if (s.Rows != s0.Rows || s.Columns != s0.Columns)
                throw VolumeAssemblyException.InconsistentSlices(uid, s.Label, $"is {s.Columns}×{s.Rows}; expected {s0.Columns}×{s0.Rows} like {s0.Label}.");
            if ((s.Row - s0.Row).Length > options.OrientationTolerance || (s.Column - s0.Column).Length > options.OrientationTolerance)
                throw VolumeAssemblyException.InconsistentSlices(uid, s.Label, $"has a different Image Orientation (Patient) from {s0.Label}; expected one orientation per volume.");
            if (Math.Abs(s.RowSpacing - s0.RowSpacing) > 1e-4 || Math.Abs(s.ColumnSpacing - s0.ColumnSpacing) > 1e-4)
                throw VolumeAssemblyException.InconsistentSlices(uid, s.Label, $"has Pixel Spacing {s.RowSpacing}\\{s.ColumnSpacing}; expected {s0.RowSpacing}\\{s0.ColumnSpacing} like {s0.Label}.");
        }
        var normal = s0.Row.Cross(s0.Column).Normalize();
        var sorted = slices.Select(s => (Slice: s, Distance: s.Position.Dot(normal))).OrderBy(t => t.Distance).ToList();
        double spacingZ;
        if (sorted.Count == 1)
        {
            spacingZ = first.GetDoubleOrDefault(DicomTag.SpacingBetweenSlices, first.GetDoubleOrDefault(DicomTag.SliceThickness, 1));
            if (!(spacingZ > 0) || !double.IsFinite(spacingZ)) spacingZ = 1;
        }
        else
        {
            var gaps = new double[sorted.Count - 1];
            for (int i = 0; i < gaps.Length; i++)
            {
                gaps[i] = sorted[i + 1].Distance - sorted[i].Distance;
                if (gaps[i] < 1e-3)
                    throw VolumeAssemblyException.DuplicateSlices(uid, sorted[i].Slice.Label, sorted[i + 1].Slice.Label, sorted[i].Distance);
            }
            var ordered = gaps.Order().ToArray();
            spacingZ = ordered[ordered.Length / 2];
            if (!double.IsFinite(spacingZ))
                throw VolumeAssemblyException.InconsistentSlices(uid, sorted[0].Slice.Label, "lies at an infinite distance from the next slice; expected finite Image Position (Patient) and Spacing Between Slices.");
            int irregular = gaps.Count(g => Math.Abs(g - spacingZ) > options.SpacingTolerance * spacingZ);
            for (int i = 0; i < gaps.Length; i++)
                if (Math.Abs(gaps[i] - spacingZ) > options.SpacingTolerance * spacingZ)
                    throw VolumeAssemblyException.NonUniformSpacing(uid, sorted[i].Slice.Label, sorted[i + 1].Slice.Label, gaps[i], spacingZ, irregular);
            // Slices must also lie on the normal through the first one (no in-plane shift between slices).
            for (int i = 1; i < sorted.Count; i++)
            {
                var offset = sorted[i].Slice.Position - sorted[0].Slice.Position;
                var inPlane = offset - normal * offset.Dot(normal);
                if (inPlane.Length > Math.Max(s0.RowSpacing, s0.ColumnSpacing) * 0.5)
                    throw VolumeAssemblyException.InconsistentSlices(uid, sorted[i].Slice.Label,
                        string.Create(CultureInfo.InvariantCulture, $"is shifted {inPlane.Length:0.###} mm within the image plane from {sorted[0].Slice.Label}; expected slices stacked along the normal (gantry tilt?)."));
            }
        }
        int nx = s0.Columns, ny = s0.Rows, nz = sorted.Count;
        var voxels = new float[(long)nx * ny * nz];
        int perSlice = nx * ny;
        for (int k = 0; k < nz; k++) sorted[k].Slice.Load(voxels.AsSpan().Slice(k * perSlice, perSlice));
        // PixelSpacing is row spacing (between rows, along J) then column spacing (along I): PS3.3 §10.7.1.3.
        var geometry = new VolumeGeometry(nx, ny, nz, new Vector3D(s0.ColumnSpacing, s0.RowSpacing, spacingZ), sorted[0].Slice.Position,
            new Direction3D(s0.Row, s0.Column, normal));
        return new Volume(geometry, voxels);
    }
}
