using System.Globalization;
using Flip.Imaging.Dicom;
using Flip.Imaging.Volumes;

namespace Flip.Datasets.Synthetic;

/// <summary>Writes a synthetic patient's PSMA-PET as a real PT series: activity concentration in Bq/ml with the attributes SUV needs.</summary>
/// <remarks>
/// The phantom's SUV is turned into what a scanner stores: Bq/ml decay-corrected to the series start
/// (Decay Correction START), for a ⁶⁸Ga-PSMA-11 injection of about 2 MBq/kg, 55–70 minutes before the
/// scan. Radiopharmaceutical Information Sequence (dose, start time and date-time, half-life 4062.6 s),
/// Patient Weight and Units BQML are set, so <c>SuvCalculator</c> (and any SUV tool) recovers the SUV.
/// Stored values are unsigned 16-bit with Rescale Intercept 0, as the PET Image module requires.
/// </remarks>
internal static class PetSeriesWriter
{
    public const string Folder = "pet";
    public const string PetImageStorage = "1.2.840.10008.5.1.4.1.1.128";
    public const double Gallium68HalfLifeSeconds = 4062.6;

    private static readonly DicomTag CountsSource = new(0x0054, 0x1002);
    private static readonly DicomTag SeriesType = new(0x0054, 0x1000);
    private static readonly DicomTag CorrectedImage = new(0x0028, 0x0051);
    private static readonly DicomTag NumberOfSlices = new(0x0054, 0x0081);
    private static readonly DicomTag CollimatorType = new(0x0018, 0x1181);
    private static readonly DicomTag FrameReferenceTime = new(0x0054, 0x1300);
    private static readonly DicomTag ImageIndex = new(0x0054, 0x1330);
    private static readonly DicomTag ActualFrameDuration = new(0x0018, 0x1242);
    private static readonly DicomTag DecayFactor = new(0x0054, 0x1321);
    private static readonly DicomTag RadionuclideCodeSequence = new(0x0054, 0x0300);
    private static readonly DicomTag RadiopharmaceuticalCodeSequence = new(0x0054, 0x0304);
    private static readonly DicomTag CodeValue = new(0x0008, 0x0100);
    private static readonly DicomTag CodingSchemeDesignator = new(0x0008, 0x0102);
    private static readonly DicomTag CodeMeaning = new(0x0008, 0x0104);
    private static readonly DicomTag PatientOrientationCodeSequence = new(0x0054, 0x0410);
    private static readonly DicomTag PatientGantryRelationshipCodeSequence = new(0x0054, 0x0414);
    private static readonly DicomTag ReferringPhysicianName = new(0x0008, 0x0090);
    private static readonly DicomTag PositionReferenceIndicator = new(0x0020, 0x1040);
    private static readonly DicomTag BodyPartExamined = new(0x0018, 0x0015);
    private static readonly DicomTag ContentTime = new(0x0008, 0x0033);
    private static readonly DicomTag AcquisitionTime = new(0x0008, 0x0032);
    private static readonly DicomTag RadiopharmaceuticalRoute = new(0x0018, 0x1070);

    /// <summary>What the scanner recorded about the injection and the patient.</summary>
    /// <param name="WeightKg">Patient weight.</param>
    /// <param name="InjectedDoseBq">Activity at injection.</param>
    /// <param name="Injection">Injection time.</param>
    /// <param name="SeriesStart">Scan start (the decay-correction reference).</param>
    public sealed record Acquisition(double WeightKg, double InjectedDoseBq, DateTime Injection, DateTime SeriesStart)
    {
        /// <summary>Bq/ml per SUV unit: decayed dose ÷ weight in grams.</summary>
        public double BqmlPerSuv => InjectedDoseBq * Math.Pow(2, -(SeriesStart - Injection).TotalSeconds / Gallium68HalfLifeSeconds) / (WeightKg * 1000);
    }

    /// <summary>The patient's PET acquisition, a function of its phantom seed.</summary>
    public static Acquisition AcquisitionOf(PhantomSpec spec)
    {
        var random = new Random(SyntheticCohort.Mix(spec.Seed, 0x50455400, 2));
        double weight = Math.Round(62 + (45 * random.NextDouble()), 1);
        double dose = Math.Round(weight * (1.8 + (0.4 * random.NextDouble())) * 100) * 1e4;
        var injection = new DateTime(2025, 3, 12, 9, 0, 0, DateTimeKind.Unspecified).AddSeconds(random.Next(0, 3 * 3600));
        return new Acquisition(weight, dose, injection, injection.AddSeconds(random.Next(55 * 60, 70 * 60)));
    }

    /// <summary>The SUV volume's geometry: the MRI's field of view at <see cref="Phantom.PetDownsampling"/> times the in-plane spacing.</summary>
    public static VolumeGeometry GeometryOf(VolumeGeometry mri, int width, int height, int depth)
    {
        int f = Phantom.PetDownsampling;
        var spacing = new Vector3D(mri.SpacingMm.X * f, mri.SpacingMm.Y * f, mri.SpacingMm.Z);
        // PET voxel i covers MRI voxels f·i … f·i + f − 1: its centre is (f − 1)/2 MRI voxels past theirs.
        var origin = mri.Origin + new Vector3D(mri.SpacingMm.X * (f - 1) / 2.0, mri.SpacingMm.Y * (f - 1) / 2.0, 0);
        return new VolumeGeometry(width, height, depth, spacing, origin, mri.Direction);
    }

    /// <summary>Writes the PT series into <c>folder/pet</c>.</summary>
    /// <param name="site">The hospital (vendor, name).</param>
    /// <param name="patient">The patient (identity on every file, as a hospital's archive holds it).</param>
    /// <param name="spec">The phantom.</param>
    /// <param name="mri">The MRI's geometry.</param>
    /// <param name="key">The UID root of the patient (<c>flip6/seed/key</c>).</param>
    /// <param name="folder">The patient's folder.</param>
    /// <returns>Files written.</returns>
    public static int Write(CohortSite site, Patient patient, PhantomSpec spec, VolumeGeometry mri, string key, string folder)
    {
        var (suv, w, h, d) = Phantom.RenderPet(spec);
        Acquisition acquisition = AcquisitionOf(spec);
        VolumeGeometry geometry = GeometryOf(mri, w, h, d);
        var bqml = new float[suv.Length];
        for (int i = 0; i < suv.Length; i++)
        {
            bqml[i] = (float)(suv[i] * acquisition.BqmlPerSuv);
        }

        string date = acquisition.SeriesStart.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        string time = acquisition.SeriesStart.ToString("HHmmss", CultureInfo.InvariantCulture);
        var t = new DicomDataset();
        t.SetString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        t.SetString(DicomTag.SopClassUid, DicomVR.UI, PetImageStorage);
        t.SetString(DicomTag.ImageType, DicomVR.CS, "ORIGINAL", "PRIMARY");
        t.SetString(DicomTag.Modality, DicomVR.CS, "PT");
        t.SetString(DicomTag.PatientName, DicomVR.PN, patient.Identity.Name);
        t.SetString(DicomTag.PatientId, DicomVR.LO, patient.Identity.PatientId);
        t.SetString(DicomTag.PatientBirthDate, DicomVR.DA, patient.Identity.BirthDate.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        t.SetString(DicomTag.PatientSex, DicomVR.CS, "M");
        t.SetDecimal(DicomTag.PatientWeight, acquisition.WeightKg);
        t.SetString(DicomTag.StudyInstanceUid, DicomVR.UI, DicomUid.FromName(key + "/pet-study"));
        t.SetString(DicomTag.StudyDate, DicomVR.DA, date);
        t.SetString(DicomTag.StudyTime, DicomVR.TM, time);
        t.SetString(ReferringPhysicianName, DicomVR.PN, "");
        t.SetString(DicomTag.StudyId, DicomVR.SH, "2");
        t.SetString(DicomTag.AccessionNumber, DicomVR.SH, patient.Identity.PatientId[^6..] + "P");
        t.SetString(DicomTag.SeriesInstanceUid, DicomVR.UI, DicomUid.FromName(key + "/" + Folder));
        t.SetInteger(DicomTag.SeriesNumber, 1);
        t.SetString(DicomTag.SeriesDescription, DicomVR.LO, "PSMA PET AC");
        t.SetString(DicomTag.SeriesDate, DicomVR.DA, date);
        t.SetString(DicomTag.SeriesTime, DicomVR.TM, time);
        t.SetString(DicomTag.AcquisitionDate, DicomVR.DA, date);
        t.SetString(AcquisitionTime, DicomVR.TM, time);
        t.SetString(DicomTag.ContentDate, DicomVR.DA, date);
        t.SetString(ContentTime, DicomVR.TM, time);
        t.SetString(BodyPartExamined, DicomVR.CS, "PROSTATE");
        t.SetString(DicomTag.FrameOfReferenceUid, DicomVR.UI, DicomUid.FromName(key + "/pet-frame"));
        t.SetString(PositionReferenceIndicator, DicomVR.LO, "");
        t.SetString(DicomTag.Manufacturer, DicomVR.LO, site.Vendor);
        t.SetString(DicomTag.InstitutionName, DicomVR.LO, site.DisplayName);
        t.SetString(DicomTag.Units, DicomVR.CS, "BQML");
        t.SetString(CountsSource, DicomVR.CS, "EMISSION");
        t.SetString(SeriesType, DicomVR.CS, "STATIC", "IMAGE");
        t.SetString(CorrectedImage, DicomVR.CS, "DECY", "ATTN", "SCAT", "DTIM", "RAN", "NORM");
        t.SetString(DicomTag.DecayCorrection, DicomVR.CS, "START");
        t.SetUInt16(NumberOfSlices, (ushort)d);
        t.SetString(CollimatorType, DicomVR.CS, "NONE");
        t.SetDecimal(FrameReferenceTime, 0);
        t.SetInteger(ActualFrameDuration, 180_000);
        t.SetDecimal(DecayFactor, 1);
        var radionuclide = new DicomDataset();
        radionuclide.SetString(CodeValue, DicomVR.SH, "C-131A3");
        radionuclide.SetString(CodingSchemeDesignator, DicomVR.SH, "SRT");
        radionuclide.SetString(CodeMeaning, DicomVR.LO, "^68^Gallium");
        var radio = new DicomDataset();
        radio.SetString(RadiopharmaceuticalRoute, DicomVR.LO, "Intravenous");
        radio.SetString(DicomTag.Radiopharmaceutical, DicomVR.LO, "Ga-68 PSMA-11");
        radio.SetString(DicomTag.RadiopharmaceuticalStartTime, DicomVR.TM, acquisition.Injection.ToString("HHmmss", CultureInfo.InvariantCulture));
        radio.SetString(DicomTag.RadiopharmaceuticalStartDateTime, DicomVR.DT, acquisition.Injection.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture));
        radio.SetDecimal(DicomTag.RadionuclideTotalDose, acquisition.InjectedDoseBq);
        radio.SetDecimal(DicomTag.RadionuclideHalfLife, Gallium68HalfLifeSeconds);
        radio.SetSequence(RadionuclideCodeSequence, radionuclide);
        t.SetSequence(DicomTag.RadiopharmaceuticalInformationSequence, radio);
        t.SetSequence(PatientOrientationCodeSequence);
        t.SetSequence(PatientGantryRelationshipCodeSequence);

        // Stored values: unsigned 16-bit, Rescale Intercept 0 (PS3.3 C.8.9.4), slope from the largest value.
        float max = Math.Max(bqml.Max(), 1f);
        double slope = double.Parse((max / 65000.0).ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        IReadOnlyList<DicomDataset> slices = SeriesWriter.ToSlices(new Volume(geometry, bqml), t);
        string target = Path.Combine(folder, Folder);
        Directory.CreateDirectory(target);
        int plane = w * h;
        for (int k = 0; k < slices.Count; k++)
        {
            DicomDataset slice = slices[k];
            slice.SetUInt16(DicomTag.PixelRepresentation, 0);
            slice.SetDecimal(DicomTag.RescaleSlope, slope);
            slice.SetDecimal(DicomTag.RescaleIntercept, 0);
            slice.SetUInt16(ImageIndex, (ushort)(k + 1));
            var pixels = new byte[plane * 2];
            for (int i = 0; i < plane; i++)
            {
                BitConverter.TryWriteBytes(pixels.AsSpan(i * 2), (ushort)Math.Clamp(Math.Round(bqml[(k * plane) + i] / slope), 0, ushort.MaxValue));
            }

            slice.SetBytes(DicomTag.PixelData, DicomVR.OW, pixels);
            DicomWriter.Save(slice, Path.Combine(target, $"slice-{k + 1:D4}.dcm"));
        }

        return slices.Count;
    }
}
