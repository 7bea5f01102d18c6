using System.Diagnostics;
using System.Text.Json;
using Flip.Imaging.Dicom;

namespace Flip.Cli.Tests;

/// <summary>synth writes a real archive; dicom index/dump/deidentify read it; dcmtk and pydicom agree.</summary>
public sealed class DicomVerbTests : IClassFixture<DicomVerbTests.Archive>
{
    private readonly Archive _archive;

    public DicomVerbTests(Archive archive) => _archive = archive;

    public sealed class Archive : IDisposable
    {
        public Archive()
        {
            Root = Directory.CreateTempSubdirectory("flip-cli-dicom-").FullName;
            Folder = Path.Combine(Root, "flip6");
            Synth = CliProcess.Run("synth", "--out", Folder, "--scale", "0.01", "--seed", "4");
        }

        public string Root { get; }

        public string Folder { get; }

        public CliProcess.Result Synth { get; }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    private static (int ExitCode, string Output) Tool(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail($"{file} is not installed; run 'apt-get install dcmtk python3-pydicom' (.ci/run does).");
            throw;
        }

        using (process)
        {
            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
    }

    [Fact]
    public void Synth_writes_three_MR_series_per_patient_a_PET_series_at_PET_hospitals_and_a_label_per_patient()
    {
        Assert.True(_archive.Synth.ExitCode == 0, _archive.Synth.All);
        string[] labels = File.ReadAllLines(Path.Combine(_archive.Folder, "labels.csv"));
        int patients = labels.Length - 1;
        Assert.Equal("site,patient-id,isup-grade,cspca", labels[0]);
        Assert.Equal(9 + (5 * 8), patients); // site-1: 900 × 0.01 = 9; the others at the floor of 8
        // Three MR series per patient; a PT series per patient at the PET hospitals (site-1: 9, site-4 and site-6: 8 each).
        Assert.Equal((patients * 3 * 12) + (25 * 12), Directory.GetFiles(_archive.Folder, "*.dcm", SearchOption.AllDirectories).Length);
        Assert.Equal(25, Directory.GetDirectories(_archive.Folder, "pet", SearchOption.AllDirectories).Length);
        Assert.Equal(patients, Directory.GetFiles(_archive.Folder, "lesion.nii.gz", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public void Dcmtk_and_pydicom_read_the_generated_files_without_complaint()
    {
        string[] files = Directory.GetFiles(_archive.Folder, "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Where((_, i) => i % 97 == 0).ToArray();

        var (dcmtkExit, dcmtkOutput) = Tool("dcmdump", ["-q", .. files]);
        Assert.True(dcmtkExit == 0, dcmtkOutput);
        Assert.DoesNotContain("E: ", dcmtkOutput);

        string script = "import sys, pydicom\nfor f in sys.argv[1:]:\n    d = pydicom.dcmread(f)\n    a = d.pixel_array\n    assert a.shape in ((64, 64), (32, 32)), a.shape\nprint('ok', len(sys.argv) - 1)";
        var (pythonExit, pythonOutput) = Tool("/usr/bin/python3", ["-c", script, .. files]);
        Assert.True(pythonExit == 0, pythonOutput);
        Assert.Contains($"ok {files.Length}", pythonOutput);
    }

    [Fact]
    public void Index_lists_every_series_with_its_geometry_and_skips_the_masks()
    {
        CliProcess.Result result = CliProcess.Run("dicom", "index", _archive.Folder);

        Assert.True(result.ExitCode == 0, result.All);
        // 49 patients × 3 MR series + 25 PT series, × 12 slices; skipped: two masks per patient, labels.csv and manifest.json
        Assert.Contains("172 series in 2064 files; 100 other files skipped; 0 unreadable.", result.Output);
        Assert.Contains("2.813×2.813×3", result.Output);
        Assert.Contains("t2_tse_tra", result.Output);
    }

    [Fact]
    public void Dump_prints_elements_and_JSON()
    {
        string file = Directory.GetFiles(_archive.Folder, "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();

        CliProcess.Result text = CliProcess.Run("dicom", "dump", file);
        CliProcess.Result json = CliProcess.Run("dicom", "dump", file, "--json");

        Assert.Equal(0, text.ExitCode);
        Assert.Contains("(0008,0060) Modality", text.Output);
        Assert.Contains("MR", text.Output);
        Assert.Equal(0, json.ExitCode);
        using JsonDocument document = JsonDocument.Parse(json.Output);
        Assert.Equal("1.2.840.10008.1.2.1", document.RootElement.GetProperty("transferSyntax").GetString());
        Assert.Equal(64, document.RootElement.GetProperty("pixels").GetProperty("rows").GetInt32());
    }

    [Fact]
    public void Deidentify_removes_names_and_ids_and_needs_a_key()
    {
        string patientFolder = Directory.GetDirectories(Path.Combine(_archive.Folder, "site-1")).Order(StringComparer.Ordinal).First();
        string source = Path.Combine(patientFolder, "t2w");
        DicomDataset before = DicomFile.Open(Directory.GetFiles(source).Order(StringComparer.Ordinal).First()).Dataset;
        string target = Path.Combine(_archive.Root, "deid");

        CliProcess.Result refused = CliProcess.Run("dicom", "deidentify", source, target);
        CliProcess.Result result = CliProcess.RunWith(new Dictionary<string, string> { ["FLIP_DEID_KEY"] = "a-long-site-secret-0123456789" },
            "dicom", "deidentify", source, target);

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("FLIP_DEID_KEY must hold a secret key", refused.All);
        Assert.True(result.ExitCode == 0, result.All);
        DicomDataset after = DicomFile.Open(Directory.GetFiles(target).Order(StringComparer.Ordinal).First()).Dataset;
        Assert.NotEqual(before.GetString(DicomTag.PatientId), after.GetStringOrDefault(DicomTag.PatientId, string.Empty));
        Assert.NotEqual(before.GetString(DicomTag.PatientName), after.GetStringOrDefault(DicomTag.PatientName, string.Empty));
        Assert.NotEqual(before.GetString(DicomTag.StudyInstanceUid), after.GetString(DicomTag.StudyInstanceUid));
        Assert.DoesNotContain(before.GetString(DicomTag.PatientId), File.ReadAllText(Directory.GetFiles(target).First(), System.Text.Encoding.Latin1));
    }

    [Fact]
    public void Bench_dicom_times_the_three_shapes_and_the_index_against_pydicom()
    {
        CliProcess.Result result = CliProcess.Run("bench", "dicom", _archive.Folder, "--passes", "1", "--peer");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("Reading 2064 DICOM files", result.Output);
        foreach (string shape in new[] { "headers only", "all values", "with pixel data", "index, 1 thread(s)", "index, 2 thread(s)" })
        {
            Assert.Contains(shape, result.Output);
        }

        Assert.Matches(@"headers only\s+1\s+\d+\s+\d+\s+\d+\s+[\d.]+×", result.Output);
    }
}
