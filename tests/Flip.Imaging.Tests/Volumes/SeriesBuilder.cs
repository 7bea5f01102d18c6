using Flip.Imaging.Dicom;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.Tests.Volumes;

/// <summary>Writes a small synthetic single-frame series through our writer: slice k holds stored value k·1000 + y·10 + x.</summary>
internal static class SeriesBuilder
{
    public const int Rows = 6, Columns = 5;

    public static double Slope(int k) => 1 + k * 0.5;

    public static double Intercept(int k) => -10 * k;

    public static float Expected(int x, int y, int k) => (float)((k * 1000 + y * 10 + x) * Slope(k) + Intercept(k));

    public static DicomDataset Slice(int k, Vector3D position, Vector3D row, Vector3D column, string series = "1.2.3.4.5")
    {
        var ds = new DicomDataset();
        ds.SetString(DicomTag.SopClassUid, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.4");
        ds.SetString(DicomTag.SopInstanceUid, DicomVR.UI, $"1.2.3.4.5.{k + 1}");
        ds.SetString(DicomTag.Modality, DicomVR.CS, "MR");
        ds.SetString(DicomTag.SeriesInstanceUid, DicomVR.UI, series);
        ds.SetString(DicomTag.StudyInstanceUid, DicomVR.UI, "1.2.3.4");
        ds.SetString(DicomTag.PatientId, DicomVR.LO, "P1");
        ds.SetDecimal(DicomTag.ImagePositionPatient, position.X, position.Y, position.Z);
        ds.SetDecimal(DicomTag.ImageOrientationPatient, row.X, row.Y, row.Z, column.X, column.Y, column.Z);
        ds.SetDecimal(DicomTag.PixelSpacing, 0.7, 0.6);
        ds.SetDecimal(DicomTag.SliceThickness, 3);
        ds.SetUInt16(DicomTag.SamplesPerPixel, 1);
        ds.SetString(DicomTag.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2");
        ds.SetUInt16(DicomTag.Rows, Rows);
        ds.SetUInt16(DicomTag.Columns, Columns);
        ds.SetUInt16(DicomTag.BitsAllocated, 16);
        ds.SetUInt16(DicomTag.BitsStored, 16);
        ds.SetUInt16(DicomTag.HighBit, 15);
        ds.SetUInt16(DicomTag.PixelRepresentation, 0);
        ds.SetDecimal(DicomTag.RescaleSlope, Slope(k));
        ds.SetDecimal(DicomTag.RescaleIntercept, Intercept(k));
        var pixels = new byte[Rows * Columns * 2];
        for (int y = 0; y < Rows; y++)
            for (int x = 0; x < Columns; x++)
                BitConverter.TryWriteBytes(pixels.AsSpan((y * Columns + x) * 2), (ushort)(k * 1000 + y * 10 + x));
        ds.SetBytes(DicomTag.PixelData, DicomVR.OW, pixels);
        return ds;
    }

    /// <summary>Writes slices at the given indices along the normal (3 mm apart), in shuffled file order.</summary>
    public static List<string> Write(string folder, IEnumerable<int> sliceIndices, Vector3D row, Vector3D column, Vector3D origin)
    {
        Directory.CreateDirectory(folder);
        var normal = row.Cross(column);
        var paths = new List<string>();
        foreach (var k in sliceIndices.OrderBy(k => (k * 7919) % 13))
        {
            var path = Path.Combine(folder, $"slice-{k:D3}.dcm");
            DicomWriter.Save(Slice(k, origin + normal * (3.0 * k), row, column), path);
            paths.Add(path);
        }
        return paths;
    }
}
