using System.Diagnostics;
using System.Globalization;
using Flip.Datasets.Synthetic;
using Flip.Imaging.Dicom;
using Flip.Imaging.Pet;
using Flip.Imaging.Volumes;

namespace Flip.Datasets.Tests.Synthetic;

/// <summary>PSMA-PET at the hospitals that have it: rendered SUV, written as a PT series, read back by us, pydicom and two DICOM checkers.</summary>
public sealed class SyntheticPetTests : IDisposable
{
    private static readonly Cohort Flip6 = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.02, Seed = 5 });

    private readonly string _folder = Directory.CreateTempSubdirectory("flip-pet-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Two patients of a PET hospital (one with csPCa) and one of a hospital without PET.</summary>
    private static Cohort Small()
    {
        CohortSite pet = Flip6.Site("site-4"), mri = Flip6.Site("site-2");
        return Flip6 with
        {
            Sites = [pet with { Patients = [pet.Patients.First(p => p.IsupGrade >= 4), pet.Patients.First(p => !p.IsCsPca)] }, mri with { Patients = [mri.Patients[0]] }],
        };
    }

    [Fact]
    public void Only_hospitals_with_PET_have_it_and_lesions_take_up_the_tracer()
    {
        Assert.Equal(["site-1", "site-4", "site-6"], Flip6.Sites.Where(s => s.HasPet).Select(s => s.Id));
        Assert.Null(SyntheticCohort.LoadPet(Flip6.Site("site-2").Patients[0]));
        Patient patient = Flip6.Site("site-1").Patients.First(p => p.IsupGrade >= 4);
        Volume pet = SyntheticCohort.LoadPet(patient)!;
        PatientImages images = patient.LoadImages();

        // Coarser than the MRI: half the in-plane matrix, twice the spacing.
        Assert.Equal((images.Width / 2, images.Height / 2, images.Depth), (pet.SizeX, pet.SizeY, pet.SizeZ));
        Assert.Equal(2 * images.SpacingMm.X, pet.Geometry.SpacingMm.X, 9);
        // The default channels stay the MRI's, at every hospital.
        Assert.Equal(["T2W", "ADC", "DWI"], images.ChannelNames);

        // Asked for, PET hospitals get a fourth channel on the MRI grid; the lesion is hotter than the rest of the gland.
        var withPet = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.02, Seed = 5, PetChannel = true });
        PatientImages four = withPet.Site("site-1").Patients.First(p => p.Key == patient.Key).LoadImages();
        Assert.Equal(["T2W", "ADC", "DWI", "PET"], four.ChannelNames);
        Assert.Equal(images.Channels[0], four.Channels[0]);
        Assert.Equal(3, withPet.Site("site-2").Patients[0].LoadImages().Channels.Count);
        float[] suv = four.Channels[3];
        double lesion = Enumerable.Range(0, suv.Length).Where(i => four.Lesion[i] == 1).Average(i => suv[i]);
        double gland = Enumerable.Range(0, suv.Length).Where(i => four.Gland[i] == 1 && four.Lesion[i] == 0).Average(i => suv[i]);
        double body = Enumerable.Range(0, suv.Length).Where(i => four.Gland[i] == 0).Average(i => suv[i]);
        Assert.True(lesion > 2 * gland && gland > 2 * body, $"mean SUV lesion {lesion:F2}, gland {gland:F2}, outside {body:F2}");
    }

    [Fact]
    public void The_PT_series_gives_back_the_SUV_through_SuvCalculator()
    {
        Cohort cohort = Small();
        SyntheticCohortWriter.Write(cohort, _folder, seed: 5);

        foreach (Patient patient in cohort.Sites[0].Patients)
        {
            string[] files = Directory.GetFiles(Path.Combine(_folder, "site-4", patient.Identity.PatientId, "pet"), "*.dcm");
            Volume expected = SyntheticCohort.LoadPet(patient)!;
            Assert.Equal(expected.SizeZ, files.Length);
            DicomDataset first = DicomFile.Open(files[0]).Dataset;
            Assert.Equal("PT", first.GetString(DicomTag.Modality));
            Assert.Equal("BQML", first.GetString(DicomTag.Units));
            Assert.Equal("START", first.GetString(DicomTag.DecayCorrection));
            Assert.True(first.TryGetDouble(DicomTag.RescaleIntercept, out double intercept) && intercept == 0);

            Volume suv = SuvCalculator.ToBodyWeightSuv(SeriesVolume.Load(files), first);

            Assert.Equal(expected.Geometry.SpacingMm, suv.Geometry.SpacingMm);
            Assert.Equal(expected.Geometry.Origin.X, suv.Geometry.Origin.X, 6);
            Assert.Equal(expected.Geometry.Origin.Z, suv.Geometry.Origin.Z, 6);
            double worst = expected.Voxels.Zip(suv.Voxels).Max(x => Math.Abs(x.First - x.Second));
            // One stored step is max/65000 of the range: under 0.001 SUV for SUV below 60.
            Assert.True(worst < 1e-3, $"largest SUV difference {worst}");
            Assert.True(suv.Voxels.Max() > 0.5);
        }

        Assert.False(Directory.Exists(Path.Combine(_folder, "site-2", cohort.Sites[1].Patients[0].Identity.PatientId, "pet")));
    }

    private const string SuvScript = """
        import sys, json, datetime, pydicom
        out = []
        for path in sys.argv[1:]:
            ds = pydicom.dcmread(path)
            item = ds.RadiopharmaceuticalInformationSequence[0]
            injection = datetime.datetime.strptime(item.RadiopharmaceuticalStartDateTime[:14], "%Y%m%d%H%M%S")
            scan = datetime.datetime.strptime(ds.SeriesDate + ds.SeriesTime[:6], "%Y%m%d%H%M%S")
            dose = float(item.RadionuclideTotalDose) * 2 ** (-(scan - injection).total_seconds() / float(item.RadionuclideHalfLife))
            stored = ds.pixel_array
            suv = float(stored.max()) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
            out.append({"modality": ds.Modality, "sop": ds.SOPClassUID, "rows": int(ds.Rows), "max": suv * float(ds.PatientWeight) * 1000 / dose})
        print(json.dumps(out))
        """;

    [Fact]
    public void Pydicom_dcmdump_and_dciodvfy_read_the_PT_files_without_complaint()
    {
        Cohort cohort = Small();
        SyntheticCohortWriter.Write(cohort, _folder, seed: 5);
        Patient patient = cohort.Sites[0].Patients[0];
        string[] files = [.. Directory.GetFiles(Path.Combine(_folder, "site-4", patient.Identity.PatientId, "pet"), "*.dcm").Order()];
        Volume expected = SyntheticCohort.LoadPet(patient)!;
        int plane = expected.SizeX * expected.SizeY;

        string script = Path.Combine(_folder, "suv.py");
        File.WriteAllText(script, SuvScript);
        var (code, output, error) = Run("/usr/bin/python3", [script, .. files]);
        Assert.True(code == 0, $"pydicom failed: {error} (needs Debian's python3-pydicom and python3-numpy)");
        var slices = System.Text.Json.JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        Assert.Equal(files.Length, slices.Count);
        for (int k = 0; k < slices.Count; k++)
        {
            Assert.Equal("PT", slices[k].GetProperty("modality").GetString());
            double ours = expected.Voxels.AsSpan(k * plane, plane).ToArray().Max();
            Assert.Equal(ours, slices[k].GetProperty("max").GetDouble(), 2);
        }

        foreach (string file in files)
        {
            var dump = Run("dcmdump", [file]);
            Assert.True(dump.Code == 0 && dump.Error.Length == 0, $"dcmdump {file}: {dump.Error}");
            var verify = Run("dciodvfy", [file]);
            string[] errors = [.. (verify.Output + verify.Error).Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal))];
            Assert.True(errors.Length == 0, $"dciodvfy {file}:\n{string.Join("\n", errors)}");
            Assert.Contains("PETImage", verify.Output + verify.Error, StringComparison.Ordinal);
        }
    }

    private static (int Code, string Output, string Error) Run(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output.Result, error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"'{program}' is not installed ({e.Message}); .ci/run installs dcmtk, dicom3tools, python3-pydicom and python3-numpy."), e);
        }
    }
}
