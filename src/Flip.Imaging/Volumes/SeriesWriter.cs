using System.Globalization;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Volumes;

/// <summary>Turns a <see cref="Volume"/> into the single-frame datasets of one DICOM series, the inverse of <see cref="SeriesVolume"/>.</summary>
/// <remarks>
/// Each slice gets Image Position/Orientation (Patient), Pixel Spacing, Slice Thickness, Spacing
/// Between Slices and Instance Number from the volume's geometry, and 16-bit signed stored values
/// with a Rescale Slope/Intercept chosen so the volume's value range fits (exact when every value
/// is an integer in the int16 range). Attributes of the template (patient, study, series, modality…)
/// are copied to every slice; SOP Instance UIDs are derived from the Series Instance UID and the
/// slice index, so the same inputs give the same files.
/// </remarks>
public static class SeriesWriter
{
    /// <summary>Makes one dataset per slice.</summary>
    /// <param name="volume">The volume.</param>
    /// <param name="template">Attributes shared by every slice; must hold Series Instance UID and SOP Class UID.</param>
    /// <returns>The slices, in order along K.</returns>
    /// <exception cref="DicomFormatException">The template lacks Series Instance UID or SOP Class UID.</exception>
    public static IReadOnlyList<DicomDataset> ToSlices(Volume volume, DicomDataset template)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(template);
        var series = template.GetString(DicomTag.SeriesInstanceUid);
        template.GetString(DicomTag.SopClassUid);
        var g = volume.Geometry;
        float min = float.MaxValue, max = float.MinValue;
        bool integral = true;
        foreach (var v in volume.Voxels)
        {
            if (v < min) min = v;
            if (v > max) max = v;
            if (integral && v != MathF.Round(v)) integral = false;
        }
        double slope = 1, intercept = 0;
        if (!(integral && min >= short.MinValue && max <= short.MaxValue))
        {
            // Map [min, max] onto [-32000, 32000]; DS keeps 16 characters, enough for this precision.
            slope = max > min ? (max - (double)min) / 64000 : 1;
            intercept = min + 32000 * slope;
            slope = double.Parse(DicomDataset.FormatDecimal(slope), CultureInfo.InvariantCulture);
            intercept = double.Parse(DicomDataset.FormatDecimal(intercept), CultureInfo.InvariantCulture);
        }
        int n = g.SizeX * g.SizeY;
        var slices = new List<DicomDataset>(g.SizeZ);
        for (int k = 0; k < g.SizeZ; k++)
        {
            var ds = new DicomDataset();
            foreach (var e in template) ds.Set(e);
            var position = g.IndexToPhysical(0, 0, k);
            ds.SetString(DicomTag.SopInstanceUid, DicomVR.UI, DicomUid.FromName($"{series}/{k}"));
            ds.SetInteger(DicomTag.InstanceNumber, k + 1);
            ds.SetDecimal(DicomTag.ImagePositionPatient, position.X, position.Y, position.Z);
            var d = g.Direction;
            ds.SetDecimal(DicomTag.ImageOrientationPatient, d.I.X, d.I.Y, d.I.Z, d.J.X, d.J.Y, d.J.Z);
            ds.SetDecimal(DicomTag.PixelSpacing, g.SpacingMm.Y, g.SpacingMm.X);
            ds.SetDecimal(DicomTag.SliceThickness, g.SpacingMm.Z);
            ds.SetDecimal(DicomTag.SpacingBetweenSlices, g.SpacingMm.Z);
            ds.SetUInt16(DicomTag.SamplesPerPixel, 1);
            ds.SetString(DicomTag.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2");
            ds.SetUInt16(DicomTag.Rows, (ushort)g.SizeY);
            ds.SetUInt16(DicomTag.Columns, (ushort)g.SizeX);
            ds.SetUInt16(DicomTag.BitsAllocated, 16);
            ds.SetUInt16(DicomTag.BitsStored, 16);
            ds.SetUInt16(DicomTag.HighBit, 15);
            ds.SetUInt16(DicomTag.PixelRepresentation, 1);
            ds.SetDecimal(DicomTag.RescaleSlope, slope);
            ds.SetDecimal(DicomTag.RescaleIntercept, intercept);
            var pixels = new byte[n * 2];
            for (int i = 0; i < n; i++)
            {
                double stored = Math.Round((volume.Voxels[(long)k * n + i] - intercept) / slope);
                BitConverter.TryWriteBytes(pixels.AsSpan(i * 2), (short)Math.Clamp(stored, short.MinValue, short.MaxValue));
            }
            ds.SetBytes(DicomTag.PixelData, DicomVR.OW, pixels);
            slices.Add(ds);
        }
        return slices;
    }

    /// <summary>Writes the slices as files <c>slice-0001.dcm</c>… in a folder (Explicit VR Little Endian).</summary>
    /// <param name="volume">The volume.</param>
    /// <param name="template">Shared attributes, as for <see cref="ToSlices"/>.</param>
    /// <param name="folder">The folder; created when missing.</param>
    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> Write(Volume volume, DicomDataset template, string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        Directory.CreateDirectory(folder);
        var paths = new List<string>();
        var slices = ToSlices(volume, template);
        for (int k = 0; k < slices.Count; k++)
        {
            var path = Path.Combine(folder, $"slice-{k + 1:D4}.dcm");
            DicomWriter.Save(slices[k], path);
            paths.Add(path);
        }
        return paths;
    }
}
