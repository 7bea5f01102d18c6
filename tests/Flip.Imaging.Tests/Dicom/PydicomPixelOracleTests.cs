using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Flip.Imaging.Dicom;
using Xunit.Abstractions;

namespace Flip.Imaging.Tests.Dicom;

/// <summary>
/// DicomPixelData decodes every file Debian's pydicom decodes to the same rows, columns, samples, frames and
/// pixel values: the test files python3-pydicom ships, and files dcmtk writes in the photometric
/// interpretations, bit depths, signedness and byte orders those lack.
/// </summary>
[Collection("dcmtk")]
public sealed class PydicomPixelOracleTests(DcmtkFixture fixture, ITestOutputHelper output)
{
    /// <summary>Where Debian's python3-pydicom installs its test files.</summary>
    internal const string TestFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

    /// <summary>
    /// Files with Pixel Data that are not compared, each with the reason. The test fails when a file here
    /// starts to agree (remove it) or when a file pydicom cannot decode is missing here.
    /// </summary>
    private static readonly Dictionary<string, string> NotCompared = new(StringComparer.Ordinal)
    {
        // Compressed syntaxes Debian's pydicom decodes only with Pillow, GDCM or pylibjpeg, none of which
        // test.sh installs; our decoders are checked against dcmtk (DicomPixelDataTests) and, for JPEG 2000,
        // against pydicom + Pillow's recorded output (Jpeg2000Tests).
        ["693_J2KI.dcm"] = "JPEG 2000: pydicom needs Pillow",
        // A JP2 file in Pixel Data (non-conformant); Pillow 9.4 fails on it ("broken data stream") even when given the
        // JP2 directly, so there is no oracle; we decode it through OpenJPEG's JP2 reader.
        ["GDCMJ2K_TextGBR.dcm"] = "JPEG 2000 (JP2 boxes): pydicom needs Pillow, which cannot decode it",
        ["J2K_pixelrep_mismatch.dcm"] = "JPEG 2000: pydicom needs Pillow",
        ["JPEG2000.dcm"] = "JPEG 2000: pydicom needs Pillow",
        ["JPEG2000-embedded-sequence-delimiter.dcm"] = "JPEG 2000 with 4 code-stream bytes overwritten: both refuse (Jpeg2000Tests)",
        ["MR_small_jp2klossless.dcm"] = "JPEG 2000: pydicom needs Pillow",
        ["SC_rgb_gdcm_KY.dcm"] = "JPEG 2000: pydicom needs Pillow",
        ["JPEG-lossy.dcm"] = "JPEG extended 12-bit: pydicom needs Pillow or GDCM",
        ["JPGExtended.dcm"] = "JPEG extended 12-bit: pydicom needs Pillow or GDCM",
        ["MR_small_jpeg_ls_lossless.dcm"] = "JPEG-LS: pydicom needs pylibjpeg or GDCM",
        ["SC_jpeg_no_color_transform.dcm"] = "JPEG baseline: pydicom needs Pillow",
        ["SC_jpeg_no_color_transform_2.dcm"] = "JPEG baseline: pydicom needs Pillow",
        ["SC_rgb_dcmtk_+eb+cr.dcm"] = "JPEG baseline: pydicom needs Pillow",
        ["SC_rgb_dcmtk_+eb+cy+n1.dcm"] = "JPEG baseline: pydicom needs Pillow",
        ["SC_rgb_dcmtk_+eb+cy+n2.dcm"] = "JPEG baseline: pydicom needs Pillow",
        ["SC_rgb_dcmtk_+eb+cy+np.dcm"] = "JPEG baseline: pydicom needs Pillow",
        ["SC_rgb_dcmtk_+eb+cy+s2.dcm"] = "JPEG baseline: pydicom needs Pillow",
        ["SC_rgb_dcmtk_+eb+cy+s4.dcm"] = "JPEG baseline: pydicom needs Pillow",
        ["SC_rgb_jpeg.dcm"] = "JPEG baseline: pydicom needs Pillow",
        ["SC_rgb_jpeg_app14_dcmd.dcm"] = "JPEG baseline: pydicom needs Pillow",
        ["SC_rgb_jpeg_dcmtk.dcm"] = "JPEG baseline: pydicom needs Pillow",
        ["SC_rgb_jpeg_lossy_gdcm.dcm"] = "JPEG baseline: pydicom needs Pillow",
        ["SC_rgb_small_odd_jpeg.dcm"] = "JPEG baseline: pydicom needs Pillow",
        ["SC_rgb_jpeg_gdcm.dcm"] = "JPEG lossless SV1: pydicom needs GDCM or pylibjpeg",
        // Broken files both readers refuse.
        ["MR_truncated.dcm"] = "truncated: 8,130 bytes of pixel data for a 64×64 16-bit frame; both refuse",
        ["badVR.dcm"] = "pydicom fails on its invalid IS value '1A' before decoding pixels",
        ["meta_missing_tsyntax.dcm"] = "no Transfer Syntax UID in the file meta; pydicom refuses to guess",
        ["nested_priv_SQ.dcm"] = "Pixel Data in a private sequence item without the image attributes; not an image",
    };

    /// <summary>Files that exercise what the shipped test files lack, written by dcmtk (dump2dcm, then the command); each is compared as the shipped ones are.</summary>
    private static readonly (string Name, SyntheticImage Image, string Command)[] Generated =
    [
        ("mono1-u8", new SyntheticImage(12, 10, 1, 1, 8, 8, false, Photometric: "MONOCHROME1"), ""),
        ("mono1-u16-be", new SyntheticImage(12, 10, 1, 1, 16, 12, false, Photometric: "MONOCHROME1"), "dcmconv +tb"),
        ("mono2-s8", new SyntheticImage(12, 10, 2, 1, 8, 8, true), ""),
        ("mono2-s8-be", new SyntheticImage(12, 10, 2, 1, 8, 8, true), "dcmconv +tb"),
        ("mono2-s8-rle", new SyntheticImage(12, 10, 2, 1, 8, 8, true), "dcmcrle"),
        ("mono2-s12-be", new SyntheticImage(12, 10, 2, 1, 16, 12, true), "dcmconv +tb"),
        ("mono2-s12-implicit", new SyntheticImage(12, 10, 2, 1, 16, 12, true), "dcmconv +ti"),
        ("mono2-s12-deflated", new SyntheticImage(12, 10, 2, 1, 16, 12, true), "dcmconv +td"),
        ("mono2-s16-be", new SyntheticImage(12, 10, 1, 1, 16, 16, true), "dcmconv +tb"),
        ("mono2-s16-rle", new SyntheticImage(12, 10, 3, 1, 16, 16, true), "dcmcrle"),
        ("mono2-u32", new SyntheticImage(12, 10, 2, 1, 32, 32, false), ""),
        ("mono2-s32", new SyntheticImage(12, 10, 2, 1, 32, 32, true), ""),
        ("mono2-s32-rle", new SyntheticImage(12, 10, 2, 1, 32, 32, true), "dcmcrle"),
        // No 32-bit big endian files from dcmtk: dcmconv +tb swaps OW Pixel Data in 16-bit words whatever Bits
        // Allocated says, while pydicom reads 32-bit big endian samples (its rtdose_expb files, equal to rtdose.dcm).
        // We follow pydicom; rtdose_expb.dcm and rtdose_expb_1frame.dcm are the 32-bit big endian cases.
        ("rgb-u8-planar-be", new SyntheticImage(12, 10, 2, 3, 8, 8, false, PlanarConfiguration: 1), "dcmconv +tb"),
        ("rgb-u8-planar-rle", new SyntheticImage(12, 10, 2, 3, 8, 8, false, PlanarConfiguration: 1), "dcmcrle"),
        ("rgb-u16-planar", new SyntheticImage(12, 10, 2, 3, 16, 16, false, PlanarConfiguration: 1), ""),
        ("rgb-u16-be", new SyntheticImage(12, 10, 1, 3, 16, 16, false), "dcmconv +tb"),
        ("ybr-full-u8", new SyntheticImage(12, 10, 1, 3, 8, 8, false, Photometric: "YBR_FULL"), ""),
        ("ybr-full-u8-planar", new SyntheticImage(12, 10, 1, 3, 8, 8, false, PlanarConfiguration: 1, Photometric: "YBR_FULL"), ""),
        ("palette-u8", new SyntheticImage(12, 10, 1, 1, 8, 8, false, Photometric: "PALETTE COLOR"), ""),
        ("palette-u16-be", new SyntheticImage(12, 10, 1, 1, 16, 16, false, Photometric: "PALETTE COLOR"), "dcmconv +tb"),
        ("palette-u8-rle", new SyntheticImage(12, 10, 1, 1, 8, 8, false, Photometric: "PALETTE COLOR"), "dcmcrle"),
    ];

    [Fact]
    public void Every_file_pydicom_decodes_decodes_to_the_same_values()
    {
        // Given pydicom's test files and dcmtk-written files in what those lack
        Assert.True(Directory.Exists(TestFiles), $"{TestFiles} is missing: 'apt-get install -y python3-pydicom'.");
        var generatedFolder = Directory.CreateDirectory(Path.Combine(fixture.Folder, "oracle-generated")).FullName;
        var paths = Directory.GetFiles(TestFiles, "*.dcm").Order(StringComparer.Ordinal).ToList();
        foreach (var (name, image, command) in Generated)
        {
            var path = image.Write(generatedFolder, name);
            if (command.Length > 0)
            {
                var parts = command.Split(' ');
                Dcmtk.Run(parts[0], generatedFolder, [.. parts[1..], path, name + ".x.dcm"]);
                path = Path.Combine(generatedFolder, name + ".x.dcm");
            }
            paths.Add(path);
        }

        // When pydicom decodes them (numpy and RLE handlers only) and we decode them
        var oracleFolder = Directory.CreateDirectory(Path.Combine(fixture.Folder, "oracle-out")).FullName;
        var results = RunPydicom(oracleFolder, paths);

        // Then
        var problems = new List<string>();
        int compared = 0, agreed = 0, noPixels = 0;
        foreach (var path in paths)
        {
            string name = Path.GetFileName(path);
            var r = results[name];
            if (r.TryGetProperty("error", out var error))
            {
                string why = error.GetString()!;
                if (why == "no Pixel Data")
                {
                    noPixels++;
                    continue;
                }
                if (!NotCompared.ContainsKey(name)) problems.Add($"{name}: pydicom cannot decode it ({why}); add it to NotCompared with the reason");
                continue;
            }
            if (NotCompared.ContainsKey(name))
            {
                problems.Add($"{name}: pydicom now decodes it; remove it from NotCompared");
                continue;
            }
            compared++;
            var difference = Compare(path, r, File.ReadAllBytes(Path.Combine(oracleFolder, name + ".raw")));
            if (difference is null) agreed++;
            else problems.Add($"{name}: {difference}");
        }
        output.WriteLine($"pydicom agreement: {agreed} of {compared} files compared agree; {noPixels} files have no Pixel Data; {NotCompared.Count} not compared (listed with reasons).");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.True(compared >= 40, $"only {compared} files were compared");
    }

    private static string? Compare(string path, JsonElement r, byte[] expected)
    {
        DicomPixelData pixels;
        byte[] actual;
        try
        {
            pixels = DicomPixelData.Create(DicomFile.Open(path));
            using var all = new MemoryStream();
            for (int f = 0; f < pixels.FrameCount; f++) all.Write(pixels.GetFrame(f));
            actual = all.ToArray();
        }
        catch (FlipException e)
        {
            return $"pydicom decodes it, we refuse: {e.Message}";
        }
        var differences = new List<string>();
        void Check(string what, int ours, int theirs)
        {
            if (ours != theirs) differences.Add($"{what} {ours}, pydicom {theirs}");
        }
        Check("rows", pixels.Rows, r.GetProperty("rows").GetInt32());
        Check("columns", pixels.Columns, r.GetProperty("columns").GetInt32());
        Check("samples", pixels.SamplesPerPixel, r.GetProperty("samples").GetInt32());
        Check("frames", pixels.FrameCount, r.GetProperty("frames").GetInt32());
        int itemSize = r.GetProperty("itemsize").GetInt32();
        Check("bytes per sample", pixels.BitsAllocated == 1 ? 1 : pixels.BitsAllocated / 8, itemSize);
        if (differences.Count > 0) return string.Join("; ", differences);
        if (actual.Length != expected.Length) return $"{actual.Length:N0} decoded bytes, pydicom {expected.Length:N0}";
        int mismatched = 0, first = -1;
        for (int i = 0; i < actual.Length; i += itemSize)
        {
            if (actual.AsSpan(i, itemSize).SequenceEqual(expected.AsSpan(i, itemSize))) continue;
            if (first < 0) first = i / itemSize;
            mismatched++;
        }
        return mismatched == 0 ? null
            : $"{mismatched:N0} of {actual.Length / itemSize:N0} samples differ, the first at sample {first:N0} (ours {Hex(actual, first, itemSize)}, pydicom {Hex(expected, first, itemSize)})";
    }

    private static string Hex(byte[] bytes, int sample, int size) => "0x" + Convert.ToHexString(bytes.AsSpan(sample * size, size).ToArray().Reverse().ToArray());

    /// <summary>Runs the oracle script on files and returns its JSON line per file name.</summary>
    internal static Dictionary<string, JsonElement> RunPydicom(string outFolder, IEnumerable<string> paths, bool allHandlers = false)
    {
        const string python = "/usr/bin/python3";
        string script = Path.Combine(AppContext.BaseDirectory, "Dicom", "Oracle", "pydicom_pixels.py");
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(outFolder);
        psi.ArgumentList.Add("--handlers");
        psi.ArgumentList.Add(allHandlers ? "all" : "numpy,rle");
        foreach (var p in paths) psi.ArgumentList.Add(p);
        psi.Environment["PYTHONIOENCODING"] = "utf-8";
        psi.Environment["PYTHONWARNINGS"] = "ignore";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start /usr/bin/python3; these tests need 'apt-get install -y python3-pydicom python3-numpy'.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"the pydicom oracle failed ({process.ExitCode}): {stderr} (is python3-pydicom installed? 'apt-get install -y python3-pydicom python3-numpy')");
        var results = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var line in stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var e = JsonDocument.Parse(Encoding.UTF8.GetBytes(line)).RootElement;
            results[e.GetProperty("name").GetString()!] = e;
        }
        return results;
    }
}
