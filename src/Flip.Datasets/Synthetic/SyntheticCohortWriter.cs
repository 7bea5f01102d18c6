using System.Globalization;
using System.Text;
using Flip.Imaging.Dicom;
using Flip.Imaging.Nifti;
using Flip.Imaging.Volumes;

namespace Flip.Datasets.Synthetic;

/// <summary>Writes a synthetic cohort as real DICOM series, NIfTI masks and a labels table, as a hospital's archive would hold it.</summary>
/// <remarks>
/// Layout: <c>OUT/&lt;site&gt;/&lt;patient id&gt;/&lt;series&gt;/IM0001.dcm …</c> (MR, one file per slice, Explicit VR
/// Little Endian), <c>OUT/&lt;site&gt;/&lt;patient id&gt;/lesion.nii.gz</c> and <c>gland.nii.gz</c>, and
/// <c>OUT/labels.csv</c> (site, patient id, ISUP grade, csPCa). At hospitals with PSMA-PET, patients of the
/// synthetic cohort also get a PT series in <c>pet/</c> (Bq/ml with the SUV attributes; a separate study and frame of reference). Every series carries the hospital's
/// fake patient name, id and birth date, the scanner vendor and field strength, and geometry.
/// UIDs derive from the cohort seed, so the same seed writes the same files.
/// </remarks>
public static class SyntheticCohortWriter
{
    /// <summary>The header of the <c>labels.csv</c> a written cohort holds: one row per patient.</summary>
    public const string LabelsHeader = "site,patient-id,isup-grade,cspca";

    private const string MrImageStorage = "1.2.840.10008.5.1.4.1.1.4";

    private static readonly (string Folder, string Description)[] Series =
    [
        ("t2w", "t2_tse_tra"),
        ("adc", "ep2d_diff_ADC"),
        ("dwi", "ep2d_diff_b1400"),
    ];

    /// <summary>Writes every patient of every site.</summary>
    /// <param name="cohort">A cohort whose patients' images load (the synthetic one).</param>
    /// <param name="folder">The output folder (created).</param>
    /// <param name="seed">Seed of the UIDs.</param>
    /// <param name="progress">Receives the number of patients written so far.</param>
    /// <param name="maxParallelism">Patients written at once.</param>
    /// <returns>The number of DICOM files written.</returns>
    public static int Write(Cohort cohort, string folder, int seed, IProgress<int>? progress = null, int maxParallelism = 2)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        Directory.CreateDirectory(folder);
        var jobs = cohort.Sites.SelectMany(site => site.Patients.Select(patient => (Site: site, Patient: patient))).ToList();
        int files = 0, done = 0;
        Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallelism) }, job =>
        {
            int written = WritePatient(job.Site, job.Patient, Path.Combine(folder, job.Site.Id, job.Patient.Identity.PatientId), seed);
            Interlocked.Add(ref files, written);
            progress?.Report(Interlocked.Increment(ref done));
        });

        var labels = new StringBuilder(LabelsHeader).Append('\n');
        foreach (var (site, patient) in jobs)
        {
            CsvFile.AppendLine(labels, site.Id, patient.Identity.PatientId, patient.IsupGrade.ToString(CultureInfo.InvariantCulture), patient.IsCsPca ? "1" : "0");
        }

        string path = Path.Combine(folder, "labels.csv");
        File.WriteAllText(path + ".tmp", labels.ToString());
        File.Move(path + ".tmp", path, overwrite: true);
        return files;
    }

    private static int WritePatient(CohortSite site, Patient patient, string folder, int seed)
    {
        PatientImages images = patient.LoadImages();
        VolumeGeometry geometry = GeometryOf(images);
        string key = string.Create(CultureInfo.InvariantCulture, $"flip6/{seed}/{patient.Key}");
        string study = DicomUid.FromName(key + "/study");
        string frame = DicomUid.FromName(key + "/frame");
        int written = 0;
        for (int s = 0; s < Series.Length; s++)
        {
            var template = new DicomDataset();
            template.SetString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
            template.SetString(DicomTag.SopClassUid, DicomVR.UI, MrImageStorage);
            template.SetString(DicomTag.Modality, DicomVR.CS, "MR");
            template.SetString(DicomTag.PatientName, DicomVR.PN, patient.Identity.Name);
            template.SetString(DicomTag.PatientId, DicomVR.LO, patient.Identity.PatientId);
            template.SetString(DicomTag.PatientBirthDate, DicomVR.DA, patient.Identity.BirthDate.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
            template.SetString(DicomTag.PatientSex, DicomVR.CS, "M");
            template.SetString(DicomTag.StudyInstanceUid, DicomVR.UI, study);
            template.SetString(DicomTag.SeriesInstanceUid, DicomVR.UI, DicomUid.FromName(key + "/" + Series[s].Folder));
            template.SetString(DicomTag.FrameOfReferenceUid, DicomVR.UI, frame);
            template.SetString(DicomTag.StudyDate, DicomVR.DA, "20250312");
            template.SetString(DicomTag.StudyId, DicomVR.SH, "1");
            template.SetString(DicomTag.AccessionNumber, DicomVR.SH, patient.Identity.PatientId[^6..]);
            template.SetInteger(DicomTag.SeriesNumber, s + 1);
            template.SetString(DicomTag.SeriesDescription, DicomVR.LO, Series[s].Description);
            template.SetString(DicomTag.Manufacturer, DicomVR.LO, site.Vendor);
            template.SetString(DicomTag.InstitutionName, DicomVR.LO, site.DisplayName);
            template.SetDecimal(DicomTag.MagneticFieldStrength, site.FieldStrengthTesla);
            // Scanner units: scale the phantom's signal to a typical 12-bit MR range.
            var voxels = images.Channels[s].Select(v => v * 1000f).ToArray();
            written += SeriesWriter.Write(new Volume(geometry, voxels), template, Path.Combine(folder, Series[s].Folder)).Count;
        }

        if (site.HasPet && SyntheticCohort.SpecOf(patient) is { } spec)
        {
            written += PetSeriesWriter.Write(site, patient, spec, geometry, key, folder);
        }

        NiftiFile.Write(new Volume(geometry, images.Lesion.Select(v => (float)v).ToArray()), Path.Combine(folder, "lesion.nii.gz"));
        NiftiFile.Write(new Volume(geometry, images.Gland.Select(v => (float)v).ToArray()), Path.Combine(folder, "gland.nii.gz"));
        return written;
    }

    /// <summary>The MRI geometry the writer gives a patient's images: the field of view centred on the origin, axis-aligned.</summary>
    internal static VolumeGeometry GeometryOf(PatientImages images) => GeometryOf(images.Width, images.Height, images.Depth, images.SpacingMm);

    /// <summary>The same for a grid size and spacing.</summary>
    internal static VolumeGeometry GeometryOf(int width, int height, int depth, (double X, double Y, double Z) spacingMm)
    {
        var spacing = new Vector3D(spacingMm.X, spacingMm.Y, spacingMm.Z);
        var origin = new Vector3D(-width * spacing.X / 2, -height * spacing.Y / 2, -depth * spacing.Z / 2);
        return new VolumeGeometry(width, height, depth, spacing, origin, Direction3D.Identity);
    }
}
