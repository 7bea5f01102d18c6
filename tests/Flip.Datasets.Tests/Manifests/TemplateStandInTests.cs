using Flip.Datasets.Manifests;
using Flip.Imaging.MetaImage;

namespace Flip.Datasets.Tests.Manifests;

/// <summary>Each shipped template loads a tiny stand-in written in its data set's native layout.</summary>
public sealed class TemplateStandInTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "flip-templates-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void PI_CAI_loads_mha_images_per_patient_with_nii_gz_labels_and_centres_as_sites()
    {
        string data = Path.Combine(_root, "data", "picai");
        (string Patient, string Study, int Fold)[] cases = [("10000", "1000000", 0), ("10001", "1000001", 1), ("10002", "1000002", 0)];
        foreach (var (patient, study, fold) in cases)
        {
            string folder = Path.Combine(data, $"picai_public_images_fold{fold}", patient);
            Directory.CreateDirectory(folder);
            MetaImageFile.Write(StandIns.Volume(8, 1, (x, y, z) => 100 + x + int.Parse(patient[^1..])), Path.Combine(folder, $"{patient}_{study}_t2w.mha"));
            // ADC on a coarser grid: loaded onto the T2W grid.
            MetaImageFile.Write(StandIns.Volume(4, 2, (x, y, z) => 7), Path.Combine(folder, $"{patient}_{study}_adc.mha"));
            MetaImageFile.Write(StandIns.Volume(8, 1, (x, y, z) => 3), Path.Combine(folder, $"{patient}_{study}_hbv.mha"));
            StandIns.Nifti(StandIns.Volume(8, 1, StandIns.Box), Path.Combine(data, "picai_labels", "anatomical_delineations", "whole_gland", "AI", "Bosma22b", $"{patient}_{study}.nii.gz"));
        }

        StandIns.Nifti(StandIns.Volume(8, 1, (x, y, z) => x == 3 && y == 3 ? 1 : 0), Path.Combine(data, "picai_labels", "csPCa_lesion_delineations", "human_expert", "resampled", "10000_1000000.nii.gz"));
        Directory.CreateDirectory(Path.Combine(data, "picai_labels", "clinical_information"));
        File.WriteAllText(Path.Combine(data, "picai_labels", "clinical_information", "marksheet.csv"),
            "patient_id,study_id,mri_date,case_ISUP,case_csPCa,center\n10000,1000000,2019-01-01,3,YES,RUMC\n10000,1000009,2020-01-01,1,NO,RUMC\n10001,1000001,2019-02-02,0,NO,PCNN\n10002,1000002,2019-03-03,2,YES,ZGT\n");
        string manifest = StandIns.CopyTemplate(_root, "picai-public.json");

        Assert.Empty(Manifest.Validate(manifest));
        Cohort cohort = ManifestCohort.Load(Manifest.Load(manifest));

        Assert.Equal(["rumc", "pcnn", "zgt"], cohort.Sites.Select(s => s.Id));
        Assert.Equal([1, 1, 1], cohort.Sites.Select(s => s.Patients.Count));
        Assert.Equal([3, 0, 2], cohort.Sites.Select(s => s.Patients[0].IsupGrade));
        PatientImages rumc = cohort.Site("rumc").Patients[0].LoadImages();
        Assert.Equal(["T2W", "ADC", "DWI"], rumc.ChannelNames);
        Assert.Equal((8, 8, 4), (rumc.Width, rumc.Height, rumc.Depth));
        Assert.Equal(100 + 5, rumc.Channels[0][5]);
        Assert.Equal(7, rumc.Channels[1][(1 * 8 + 4) * 8 + 4], 3);
        Assert.Equal(4, rumc.Lesion.Count(v => v == 1));
        Assert.Equal(64, rumc.Gland.Count(v => v == 1));
        Assert.All(cohort.Site("zgt").Patients[0].LoadImages().Lesion, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Prostate158_loads_nifti_channels_and_masks_found_by_pattern_without_a_table()
    {
        string data = Path.Combine(_root, "data", "prostate158", "train");
        foreach (string patient in new[] { "020", "021" })
        {
            StandIns.Nifti(StandIns.Volume(8, 1, (x, y, z) => 10 * z), Path.Combine(data, patient, "t2.nii.gz"));
            StandIns.Nifti(StandIns.Volume(4, 2, (x, y, z) => 5), Path.Combine(data, patient, "adc.nii.gz"));
            StandIns.Nifti(StandIns.Volume(4, 2, (x, y, z) => 9), Path.Combine(data, patient, "dwi.nii.gz"));
            // Zonal anatomy: 1 = transition zone, 2 = peripheral zone; both are gland.
            StandIns.Nifti(StandIns.Volume(8, 1, (x, y, z) => StandIns.Box(x, y, z) * (x < 4 ? 1 : 2)), Path.Combine(data, patient, "t2_anatomy_reader1.nii.gz"));
            // The tumour mask is on the ADC grid: one ADC voxel covers 2×2 T2W voxels.
            StandIns.Nifti(StandIns.Volume(4, 2, (x, y, z) => x == 1 && y == 1 && z == 0 ? 1 : 0), Path.Combine(data, patient, "adc_tumor_reader1.nii.gz"));
        }

        string manifest = StandIns.CopyTemplate(_root, "prostate158.json");
        Cohort cohort = ManifestCohort.Load(Manifest.Load(manifest));

        CohortSite site = Assert.Single(cohort.Sites);
        Assert.Equal(2, site.Patients.Count);
        Assert.All(site.Patients, p => Assert.Equal(0, p.IsupGrade));
        PatientImages images = site.Patients[0].LoadImages();
        Assert.Equal(20, images.Channels[0][2 * 64]);
        Assert.Equal(9, images.Channels[2][(1 * 8 + 3) * 8 + 3], 3);
        Assert.Equal(64, images.Gland.Count(v => v == 1));
        Assert.Equal(4, images.Lesion.Count(v => v == 1));
        Assert.Equal(1, images.Lesion[(0 * 8 + 2) * 8 + 2]);
    }

    [Fact]
    public void PROSTATEx_assigns_dicom_series_to_channels_by_description_and_labels_from_the_findings_table()
    {
        string data = Path.Combine(_root, "data", "prostatex");
        string[] patients = ["ProstateX-0000", "ProstateX-0001", "ProstateX-0002"];
        for (int p = 0; p < patients.Length; p++)
        {
            string study = Path.Combine(data, "PROSTATEx", patients[p], "07-07-2011-NA-MR prostaat kanker detectie WDSmc MCAPRODETW-05711");
            var t2 = StandIns.Volume(8, 1, (x, y, z) => 200 + p);
            StandIns.Dicom(t2, Path.Combine(study, "4.000000-t2tsetra-00702"), patients[p], $"DOE^JOHN{p}", patients[p], "t2_tse_tra", 4);
            StandIns.Dicom(StandIns.Volume(8, 1, (x, y, z) => 1), Path.Combine(study, "3.000000-t2tsesag-87368"), patients[p], $"DOE^JOHN{p}", patients[p], "t2_tse_sag", 3);
            StandIns.Dicom(StandIns.Volume(8, 1, (x, y, z) => 900), Path.Combine(study, "5.000000-ep2ddifftraDYNDIST-06382"), patients[p], $"DOE^JOHN{p}", patients[p], "ep2d_diff_tra_DYNDIST", 5);
            StandIns.Dicom(StandIns.Volume(4, 2, (x, y, z) => 1200), Path.Combine(study, "7.000000-ep2ddifftraDYNDISTADC-48780"), patients[p], $"DOE^JOHN{p}", patients[p], "ep2d_diff_tra_DYNDIST_ADC", 7);
            StandIns.Dicom(StandIns.Volume(4, 2, (x, y, z) => 60), Path.Combine(study, "8.000000-ep2ddifftraDYNDISTCALCBVAL-83202"), patients[p], $"DOE^JOHN{p}", patients[p], "ep2d_diff_tra_DYNDISTCALC_BVAL", 8);
        }

        File.WriteAllText(Path.Combine(data, "ProstateX-2-Findings-Train.csv"),
            "ProxID,fid,pos,zone,ggg\nProstateX-0000,1,25.7 31.8 -38.2,PZ,1\nProstateX-0000,2,-5.2 20.9 -31.4,TZ,3\nProstateX-0001,1,20.4 -15.8 -23.1,PZ,2\n");
        string manifest = StandIns.CopyTemplate(_root, "prostatex.json");
        var options = new ManifestCohortOptions { CacheFolder = Path.Combine(_root, "cache") };

        Cohort cohort = ManifestCohort.Load(Manifest.Load(manifest), options);

        CohortSite site = Assert.Single(cohort.Sites);
        Assert.Equal([3, 2], site.Patients.Select(p => p.IsupGrade));
        Assert.Equal(new PatientIdentity("DOE^JOHN0", "ProstateX-0000", new DateOnly(1958, 2, 14)), site.Patients[0].Identity);
        Assert.Equal(["radboudumc/p0001", "radboudumc/p0002"], site.Patients.Select(p => p.Key));
        PatientImages images = site.Patients[1].LoadImages();
        Assert.Equal((8, 8, 4), (images.Width, images.Height, images.Depth));
        Assert.Equal(201, images.Channels[0][0], 0.5);
        Assert.Equal(1200, images.Channels[1][(1 * 8 + 4) * 8 + 4], 1);
        Assert.Equal(60, images.Channels[2][(1 * 8 + 4) * 8 + 4], 1);
        Assert.True(File.Exists(SeriesIndex.CacheFile(options.CacheFolder, "radboudumc")));
    }

    [Fact]
    public void MSD_Task05_takes_each_channel_from_its_volume_of_the_4D_nifti_and_ignores_hidden_files()
    {
        string data = Path.Combine(_root, "data", "Task05_Prostate");
        foreach (string patient in new[] { "prostate_00", "prostate_04" })
        {
            StandIns.Nifti4D(Path.Combine(data, "imagesTr", patient + ".nii.gz"), StandIns.Volume(8, 1, (x, y, z) => 300 + x), StandIns.Volume(8, 1, (x, y, z) => 1500));
            StandIns.Nifti(StandIns.Volume(8, 1, (x, y, z) => StandIns.Box(x, y, z) * 2), Path.Combine(data, "labelsTr", patient + ".nii.gz"));
        }

        File.WriteAllBytes(Path.Combine(data, "imagesTr", "._prostate_00.nii.gz"), [0, 5, 22, 7]);
        string manifest = StandIns.CopyTemplate(_root, "msd-task05.json");

        Cohort cohort = ManifestCohort.Load(Manifest.Load(manifest));

        CohortSite site = Assert.Single(cohort.Sites);
        Assert.Equal(2, site.Patients.Count);
        PatientImages images = site.Patients[0].LoadImages();
        Assert.Equal(["T2W", "ADC"], images.ChannelNames);
        Assert.Equal(303, images.Channels[0][3]);
        Assert.All(images.Channels[1], v => Assert.Equal(1500, v));
        Assert.Equal(64, images.Gland.Count(v => v == 1));
        Assert.All(images.Lesion, v => Assert.Equal(0, v));
    }

    [Fact]
    public void A_template_with_its_data_absent_fails_to_load_with_where_to_get_it()
    {
        string manifest = StandIns.CopyTemplate(_root, "msd-task05.json");

        FlipException error = Assert.Throws<FlipException>(() => ManifestCohort.Load(Manifest.Load(manifest)));

        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
        Assert.Equal($"site radboudumc: the folder '{Path.Combine(_root, "data", "Task05_Prostate")}' does not exist; expected the site's images there. Fix: "
            + "Get the data from http://medicaldecathlon.com/ (untar Task05_Prostate.tar into data so that data/Task05_Prostate/imagesTr exists), or change the path in the manifest.", error.ToUserText());
    }

    [Fact]
    public void Patients_without_a_required_channel_are_listed_by_pseudonymous_key_and_table_line_never_by_patient_id()
    {
        string data = Path.Combine(_root, "data", "prostatex");
        StandIns.Dicom(StandIns.Volume(8, 1, (x, y, z) => 1), Path.Combine(data, "PROSTATEx", "ProstateX-0000", "s", "t2"), "ProstateX-0000", "DOE^JOHN", "ProstateX-0000", "t2_tse_tra", 1);
        File.WriteAllText(Path.Combine(data, "ProstateX-2-Findings-Train.csv"), "ProxID,ggg\nProstateX-0000,2\n");
        string manifest = StandIns.CopyTemplate(_root, "prostatex.json");

        FlipException error = Assert.Throws<FlipException>(() => ManifestCohort.Load(Manifest.Load(manifest), new ManifestCohortOptions { CacheFolder = Path.Combine(_root, "cache") }));

        Assert.StartsWith("1 patient(s) of manifest", error.Message, StringComparison.Ordinal);
        Assert.Contains($"radboudumc/p0001 (ProstateX-2-Findings-Train.csv line 2): no ADC, DWI found in {Path.Combine(data, "PROSTATEx")}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("DOE", error.ToUserText(), StringComparison.Ordinal);
        Assert.DoesNotContain("ProstateX-0000", error.ToUserText(), StringComparison.Ordinal);
    }
}
