using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using Flip.Imaging.Dicom;
using Flip.Imaging.Nifti;
using Flip.Imaging.Volumes;

namespace Flip.Datasets.Tests.Manifests;

/// <summary>Tiny data sets in public data sets' native layouts, written with Flip.Imaging's writers, next to a copy of a shipped template.</summary>
internal static class StandIns
{
    public static string RepositoryRoot([CallerFilePath] string file = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", "..", ".."));

    public static string Templates => Path.Combine(RepositoryRoot(), "datasets-manifests");

    /// <summary>Copies a shipped template into <c>root/datasets-manifests</c>, so its <c>../data/…</c> paths point into <c>root/data</c>.</summary>
    public static string CopyTemplate(string root, string name)
    {
        string folder = Path.Combine(root, "datasets-manifests");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        File.Copy(Path.Combine(Templates, name), path);
        return path;
    }

    public static Volume Volume(int n, double spacing, Func<int, int, int, float> value, int depth = 4)
    {
        var geometry = new VolumeGeometry(n, n, depth, new Vector3D(spacing, spacing, 3), new Vector3D(0, 0, 0), Direction3D.Identity);
        var voxels = new float[geometry.VoxelCount];
        for (int z = 0, i = 0; z < depth; z++)
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++, i++)
                    voxels[i] = value(x, y, z);
        return new Volume(geometry, voxels);
    }

    /// <summary>A box in the middle of an 8×8 grid: the gland or lesion of a stand-in.</summary>
    public static float Box(int x, int y, int z) => x is >= 2 and <= 5 && y is >= 2 and <= 5 ? 1 : 0;

    public static void Nifti(Volume volume, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        NiftiFile.Write(volume, path);
    }

    /// <summary>A 4-D NIfTI file (gzip) of several volumes on one grid, as the Medical Segmentation Decathlon ships them.</summary>
    public static void Nifti4D(string path, params Volume[] volumes)
    {
        byte[] first = NiftiFile.Encode(volumes[0]);
        BinaryPrimitives.WriteInt16LittleEndian(first.AsSpan(40), 4);
        BinaryPrimitives.WriteInt16LittleEndian(first.AsSpan(48), (short)volumes.Length);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(first);
        foreach (Volume volume in volumes.Skip(1))
        {
            gz.Write(NiftiFile.Encode(volume).AsSpan(352));
        }
    }

    /// <summary>Writes a DICOM MR series of a volume.</summary>
    public static void Dicom(Volume volume, string folder, string patientId, string patientName, string study, string description, int seriesNumber)
    {
        var template = new DicomDataset();
        template.SetString(DicomTag.SopClassUid, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.4");
        template.SetString(DicomTag.Modality, DicomVR.CS, "MR");
        template.SetString(DicomTag.PatientName, DicomVR.PN, patientName);
        template.SetString(DicomTag.PatientId, DicomVR.LO, patientId);
        template.SetString(DicomTag.PatientBirthDate, DicomVR.DA, "19580214");
        template.SetString(DicomTag.StudyInstanceUid, DicomVR.UI, DicomUid.FromName(study));
        template.SetString(DicomTag.SeriesInstanceUid, DicomVR.UI, DicomUid.FromName(study + "/" + description));
        template.SetString(DicomTag.FrameOfReferenceUid, DicomVR.UI, DicomUid.FromName(study + "/frame"));
        template.SetInteger(DicomTag.SeriesNumber, seriesNumber);
        template.SetString(DicomTag.SeriesDescription, DicomVR.LO, description);
        template.SetString(DicomTag.Manufacturer, DicomVR.LO, "SIEMENS");
        SeriesWriter.Write(volume, template, folder);
    }
}
