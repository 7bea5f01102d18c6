using Flip.Imaging.Dicom;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.Pet;

/// <summary>Body-weight standardised uptake value (SUVbw) for PET images.</summary>
/// <remarks>
/// SUVbw = activity concentration (Bq/ml) × body weight (g) / injected dose decay-corrected to the
/// scan reference time (Bq), following the QIBA/UPICT vendor-neutral pseudo-code. Needs Units
/// (0054,1001) BQML; Decay Correction (0054,1102) START (images corrected to the series start:
/// the dose is decayed from injection to Series Date/Time) or ADMIN (already corrected to the
/// injection: no decay); Patient Weight (0010,1030) in kg; and in the first item of the
/// Radiopharmaceutical Information Sequence (0054,0016) the Radionuclide Total Dose (0018,1074) in
/// Bq, the Radionuclide Half Life (0018,1075) in seconds and the injection time, from
/// Radiopharmaceutical Start DateTime (0018,1078) or Start Time (0018,1072) on the Series Date.
/// </remarks>
public static class SuvCalculator
{
    private static string Name(DicomTag tag) => $"{tag} {tag.Keyword}";

    /// <summary>The factor that turns this image's real-world values (Bq/ml, after rescale) into SUVbw.</summary>
    /// <param name="dataset">A PET image's dataset.</param>
    /// <returns>g/Bq: multiply each Bq/ml value by it.</returns>
    /// <exception cref="PetSuvException">An attribute is missing or unusable; the message names it.</exception>
    public static double BodyWeightFactor(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var file = dataset.SourceFile;
        string Text(DicomTag tag, string why) => dataset.TryGetString(tag, out var s) && s.Length > 0 ? s : throw PetSuvException.Missing(file, Name(tag), why);

        var units = Text(DicomTag.Units, "the unit of the pixel values");
        if (!units.Equals("BQML", StringComparison.OrdinalIgnoreCase))
            throw PetSuvException.Unusable(file, Name(DicomTag.Units), units, "BQML (activity concentration in Bq/ml)");
        var decay = Text(DicomTag.DecayCorrection, "knowing the time the pixel values are decay-corrected to");
        if (!dataset.TryGetDouble(DicomTag.PatientWeight, out var weightKg) || !(weightKg > 0))
            throw PetSuvException.Missing(file, Name(DicomTag.PatientWeight), "the body weight in SUVbw");
        if (!dataset.TryGetSequence(DicomTag.RadiopharmaceuticalInformationSequence, out var items) || items.Count == 0)
            throw PetSuvException.Missing(file, Name(DicomTag.RadiopharmaceuticalInformationSequence), "the injected dose, half life and injection time");
        var radio = items[0];
        if (!radio.TryGetDouble(DicomTag.RadionuclideTotalDose, out var doseBq) || !(doseBq > 0))
            throw PetSuvException.Missing(file, Name(DicomTag.RadionuclideTotalDose), "the injected dose (in (0054,0016) item 1)");

        double decayFactor = 1;
        if (decay.Equals("START", StringComparison.OrdinalIgnoreCase))
        {
            if (!radio.TryGetDouble(DicomTag.RadionuclideHalfLife, out var halfLifeSeconds) || !(halfLifeSeconds > 0))
                throw PetSuvException.Missing(file, Name(DicomTag.RadionuclideHalfLife), "decay-correcting the dose (in (0054,0016) item 1)");
            var seriesDateText = Text(DicomTag.SeriesDate, "the scan reference date");
            var seriesTimeText = Text(DicomTag.SeriesTime, "the scan reference time");
            if (!DicomDateTime.TryParseDate(seriesDateText, out var seriesDate))
                throw PetSuvException.Unusable(file, Name(DicomTag.SeriesDate), seriesDateText, "a date YYYYMMDD");
            if (!DicomDateTime.TryParseTime(seriesTimeText, out var seriesTime))
                throw PetSuvException.Unusable(file, Name(DicomTag.SeriesTime), seriesTimeText, "a time HHMMSS");
            var scan = seriesDate.ToDateTime(TimeOnly.MinValue) + seriesTime;
            DateTime injection;
            if (radio.TryGetString(DicomTag.RadiopharmaceuticalStartDateTime, out var dt) && dt.Length > 0)
            {
                if (!DicomDateTime.TryParseDateTime(dt, out injection))
                    throw PetSuvException.Unusable(file, Name(DicomTag.RadiopharmaceuticalStartDateTime), dt, "a date-time YYYYMMDDHHMMSS");
            }
            else if (radio.TryGetString(DicomTag.RadiopharmaceuticalStartTime, out var tm) && tm.Length > 0)
            {
                if (!DicomDateTime.TryParseTime(tm, out var injectionTime))
                    throw PetSuvException.Unusable(file, Name(DicomTag.RadiopharmaceuticalStartTime), tm, "a time HHMMSS");
                injection = seriesDate.ToDateTime(TimeOnly.MinValue) + injectionTime;
                // An injection "after" the scan on the same date means the scan ran past midnight.
                if (injection > scan) injection -= TimeSpan.FromDays(1);
            }
            else
            {
                throw PetSuvException.Missing(file, $"{Name(DicomTag.RadiopharmaceuticalStartDateTime)} or {Name(DicomTag.RadiopharmaceuticalStartTime)}", "the injection time (in (0054,0016) item 1)");
            }
            double elapsed = (scan - injection).TotalSeconds;
            if (elapsed < 0)
                throw PetSuvException.Unusable(file, Name(DicomTag.SeriesTime), seriesTimeText, $"a time after the injection ({injection:yyyy-MM-dd HH:mm:ss})");
            decayFactor = Math.Pow(2, -elapsed / halfLifeSeconds);
        }
        else if (!decay.Equals("ADMIN", StringComparison.OrdinalIgnoreCase))
        {
            throw PetSuvException.Unusable(file, Name(DicomTag.DecayCorrection), decay, "START or ADMIN (NONE needs per-frame acquisition times and is not supported)");
        }
        return weightKg * 1000 / (doseBq * decayFactor);
    }

    /// <summary>Converts an activity-concentration volume (Bq/ml) to SUVbw with the factor of its series.</summary>
    /// <param name="volume">The PET volume in Bq/ml.</param>
    /// <param name="dataset">One image of its series (they share the SUV attributes).</param>
    /// <returns>A new volume in SUVbw (g/ml).</returns>
    /// <exception cref="PetSuvException">An attribute is missing or unusable.</exception>
    public static Volume ToBodyWeightSuv(Volume volume, DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(volume);
        double factor = BodyWeightFactor(dataset);
        var voxels = new float[volume.Voxels.Length];
        for (int i = 0; i < voxels.Length; i++) voxels[i] = (float)(volume.Voxels[i] * factor);
        return new Volume(volume.Geometry, voxels);
    }
}
