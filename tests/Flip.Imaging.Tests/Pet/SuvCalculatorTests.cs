using Flip.Imaging.Dicom;
using Flip.Imaging.Pet;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.Tests.Pet;

public sealed class SuvCalculatorTests
{
    internal static DicomDataset Pet(bool withDateTime = false)
    {
        var ds = new DicomDataset();
        ds.SetString(DicomTag.Modality, DicomVR.CS, "PT");
        ds.SetString(DicomTag.Units, DicomVR.CS, "BQML");
        ds.SetString(DicomTag.DecayCorrection, DicomVR.CS, "START");
        ds.SetDecimal(DicomTag.PatientWeight, 80);
        ds.SetString(DicomTag.SeriesDate, DicomVR.DA, "20240301");
        ds.SetString(DicomTag.SeriesTime, DicomVR.TM, "110000");
        var radio = new DicomDataset();
        radio.SetDecimal(DicomTag.RadionuclideTotalDose, 3.7e8);
        radio.SetDecimal(DicomTag.RadionuclideHalfLife, 6586.2);
        if (withDateTime) radio.SetString(DicomTag.RadiopharmaceuticalStartDateTime, DicomVR.DT, "20240301093000");
        else radio.SetString(DicomTag.RadiopharmaceuticalStartTime, DicomVR.TM, "100000.000");
        ds.SetSequence(DicomTag.RadiopharmaceuticalInformationSequence, radio);
        return ds;
    }

    [Fact]
    public void BodyWeightFactor_decays_the_dose_from_injection_to_series_time()
    {
        // 80 kg, 370 MBq of F-18 (half life 6586.2 s) injected at 10:00, series at 11:00:
        // decay = 2^(−3600 / 6586.2) = 0.684633; factor = 80,000 g / (3.7e8 Bq × 0.684633) = 3.158134e-4 g/Bq.
        Assert.Equal(3.158134e-4, SuvCalculator.BodyWeightFactor(Pet()), 9);
    }

    [Fact]
    public void BodyWeightFactor_prefers_the_injection_date_time()
    {
        // Injection at 09:30 the same day: 5,400 s elapsed → 3.816819e-4 g/Bq.
        Assert.Equal(3.816819e-4, SuvCalculator.BodyWeightFactor(Pet(withDateTime: true)), 9);
    }

    [Fact]
    public void BodyWeightFactor_skips_decay_for_images_corrected_to_administration()
    {
        var ds = Pet();
        ds.SetString(DicomTag.DecayCorrection, DicomVR.CS, "ADMIN");
        // 80,000 g / 3.7e8 Bq.
        Assert.Equal(2.162162e-4, SuvCalculator.BodyWeightFactor(ds), 9);
    }

    [Fact]
    public void BodyWeightFactor_names_the_missing_attribute()
    {
        var ds = Pet();
        ds.Remove(DicomTag.PatientWeight);
        var e = Assert.Throws<PetSuvException>(() => SuvCalculator.BodyWeightFactor(ds));
        Assert.Equal("<dataset>: cannot compute SUVbw: (0010,1030) PatientWeight is missing; expected it for the body weight in SUVbw.", e.Message);
        Assert.Equal("(0010,1030) PatientWeight", e.Attribute);

        var noHalfLife = Pet();
        noHalfLife.GetSequence(DicomTag.RadiopharmaceuticalInformationSequence)[0].Remove(DicomTag.RadionuclideHalfLife);
        var e2 = Assert.Throws<PetSuvException>(() => SuvCalculator.BodyWeightFactor(noHalfLife));
        Assert.Contains("(0018,1075) RadionuclideHalfLife is missing", e2.Message);
    }

    [Fact]
    public void BodyWeightFactor_rejects_units_other_than_BQML()
    {
        var ds = Pet();
        ds.SetString(DicomTag.Units, DicomVR.CS, "CNTS");
        var e = Assert.Throws<PetSuvException>(() => SuvCalculator.BodyWeightFactor(ds));
        Assert.Equal("<dataset>: cannot compute SUVbw: (0054,1001) Units is 'CNTS'; expected BQML (activity concentration in Bq/ml).", e.Message);
    }

    [Fact]
    public void ToBodyWeightSuv_scales_every_voxel()
    {
        var g = new VolumeGeometry(2, 1, 1, new Vector3D(1, 1, 1), Vector3D.Zero, Direction3D.Identity);
        var suv = SuvCalculator.ToBodyWeightSuv(new Volume(g, [10000f, 0f]), Pet());
        Assert.Equal(3.158134f, suv.Voxels[0], 4);
        Assert.Equal(0f, suv.Voxels[1]);
    }
}
