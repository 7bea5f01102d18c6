using System.Globalization;
using Flip.Datasets;
using Flip.Datasets.Preprocessing;
using Flip.Datasets.Synthetic;
using Flip.Imaging.Nifti;
using Flip.Imaging.Volumes;

namespace Flip.Benchmarks.Datasets;

/// <summary>Reads back a folder written by <see cref="SyntheticCohortWriter"/>: labels.csv, MR series per channel, NIfTI masks.</summary>
/// <remarks>
/// A minimal reader for the benchmark (the manifest-driven folder loader is the general one): each
/// patient's images load lazily from <c>t2w/</c>, <c>adc/</c>, <c>dwi/</c> (DICOM, through Flip.Imaging)
/// and <c>gland.nii.gz</c>, <c>lesion.nii.gz</c>. Keys are pseudonymous (<c>site-2/r0007</c>, by row),
/// never the hospital's patient id.
/// </remarks>
public static class DicomFolderCohort
{
    private static readonly string[] Channels = ["t2w", "adc", "dwi"];

    /// <summary>The patients of the folder, in labels.csv order, each with its source identity for the cache.</summary>
    /// <param name="folder">A folder written by <c>flip-research synth</c>.</param>
    /// <returns>Patients and, per patient, the identity of its files.</returns>
    /// <exception cref="FlipException">labels.csv is missing or a row is malformed.</exception>
    public static (IReadOnlyList<Patient> Patients, Func<Patient, string> SourceIdentity) Load(string folder)
    {
        string labels = Path.Combine(folder, "labels.csv");
        if (!File.Exists(labels))
        {
            throw new FlipException($"'{folder}' has no labels.csv; expected a folder written by 'flip-research synth'.", ExitCodes.BadInput);
        }

        var patients = new List<Patient>();
        var folders = new Dictionary<Patient, string>();
        var problems = new List<string>();
        using (var reader = new StreamReader(labels))
        {
            foreach (var (line, cells) in CsvFile.Rows(reader, labels, SyntheticCohortWriter.LabelsHeader, problems))
            {
                if (!int.TryParse(cells[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int isup) || isup is < 0 or > 5)
                {
                    problems.Add(CsvProblem.Describe(labels, line, 3, "isup-grade", $"'{cells[2]}'", "an ISUP grade group 0–5"));
                    continue;
                }

                string patientFolder = Path.Combine(folder, cells[0], cells[1]);
                int row = line - 1;
                var patient = new Patient(string.Create(CultureInfo.InvariantCulture, $"{cells[0]}/r{row:D4}"), isup,
                    new PatientIdentity("", cells[1], DateOnly.MinValue), () => Read(patientFolder));
                patients.Add(patient);
                folders[patient] = patientFolder;
            }
        }

        if (problems.Count > 0)
        {
            throw new FlipException(string.Join(" ", problems), ExitCodes.BadInput, "labels.csv is written by 'flip-research synth'; write the folder again.");
        }

        return (patients, p => SourceIdentity.OfFiles(Directory.EnumerateFiles(folders[p], "*", SearchOption.AllDirectories)));
    }

    private static PatientImages Read(string folder)
    {
        var volumes = Channels.Select(c => SeriesVolume.Load(Directory.GetFiles(Path.Combine(folder, c), "*.dcm"))).ToList();
        Volume gland = NiftiFile.Read(Path.Combine(folder, "gland.nii.gz"));
        Volume lesion = NiftiFile.Read(Path.Combine(folder, "lesion.nii.gz"));
        VolumeGeometry g = volumes[0].Geometry;
        static byte[] Mask(Volume v) => [.. v.Voxels.Select(x => x >= 0.5f ? (byte)1 : (byte)0)];
        return new PatientImages(g.SizeX, g.SizeY, g.SizeZ, (g.SpacingMm.X, g.SpacingMm.Y, g.SpacingMm.Z), ["T2W", "ADC", "DWI"],
            [.. volumes.Select(v => v.Voxels)], Mask(lesion), Mask(gland));
    }
}
