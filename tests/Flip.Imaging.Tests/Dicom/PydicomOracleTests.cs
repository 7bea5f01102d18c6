using System.Diagnostics;
using System.Text.Json;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Tests.Dicom;

/// <summary>pydicom (Debian python3-pydicom, run with the system /usr/bin/python3) reads what our writer wrote.</summary>
public sealed class PydicomOracleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-pydicom-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    private const string Script = """
        import hashlib, json, sys
        import pydicom
        ds = pydicom.dcmread(sys.argv[1])
        item = ds.ReferencedImageSequence[1]
        print(json.dumps({
            "ts": str(ds.file_meta.TransferSyntaxUID),
            "name": str(ds.PatientName),
            "series": ds.SeriesInstanceUID,
            "spacing": [float(v) for v in ds.PixelSpacing],
            "rows": ds.Rows,
            "item": item.ReferencedSOPInstanceUID,
            "private": ds[0x0029, 0x1010].value.hex(),
            "pixels": hashlib.sha256(ds.PixelData).hexdigest(),
        }, ensure_ascii=False))
        """;

    private static string Run(string scriptPath, string file)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) throw new InvalidOperationException("these tests need Debian's python3 with pydicom: 'apt-get install -y python3-pydicom'.");
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(scriptPath);
        psi.ArgumentList.Add(file);
        psi.Environment["PYTHONIOENCODING"] = "utf-8";
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"pydicom failed ({p.ExitCode}): {error} (is python3-pydicom installed? 'apt-get install -y python3-pydicom')");
        return output.Result;
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2")]
    public void Pydicom_reads_our_files_with_the_same_values(string syntaxUid)
    {
        // Given a dataset with UTF-8 text, a sequence, a private block and pixel data, written by us
        var ds = new DicomDataset();
        ds.SetString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        ds.SetString(DicomTag.SopClassUid, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.4");
        ds.SetString(DicomTag.SopInstanceUid, DicomVR.UI, "1.2.826.0.1.3680043.2.1125.1");
        ds.SetString(DicomTag.PatientName, DicomVR.PN, "Zhang^San=张^三");
        ds.SetString(DicomTag.SeriesInstanceUid, DicomVR.UI, "1.2.826.0.1.3680043.2.1125.2");
        ds.SetDecimal(DicomTag.PixelSpacing, 0.625, 0.5);
        ds.SetUInt16(DicomTag.Rows, 2);
        ds.SetUInt16(DicomTag.Columns, 3);
        ds.SetUInt16(DicomTag.BitsAllocated, 16);
        var items = Enumerable.Range(1, 2).Select(i =>
        {
            var item = new DicomDataset();
            item.SetString(new DicomTag(0x0008, 0x1150), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.4");
            item.SetString(new DicomTag(0x0008, 0x1155), DicomVR.UI, $"1.2.3.{i}");
            return item;
        }).ToArray();
        ds.SetSequence(DicomTag.ReferencedImageSequence, items);
        ds.SetString(new DicomTag(0x0029, 0x0010), DicomVR.LO, "FLIP");
        ds.SetBytes(new DicomTag(0x0029, 0x1010), DicomVR.OB, new byte[] { 0xDE, 0xAD, 0xBE, 0xEF });
        var pixels = new byte[12];
        for (int i = 0; i < 12; i++) pixels[i] = (byte)(i * 17);
        ds.SetBytes(DicomTag.PixelData, DicomVR.OW, pixels);
        var path = Path.Combine(_folder, "ours.dcm");
        DicomWriter.Save(ds, path, TransferSyntax.FromUid(syntaxUid));
        var script = Path.Combine(_folder, "read.py");
        File.WriteAllText(script, Script);

        // When
        using var json = JsonDocument.Parse(Run(script, path));
        var r = json.RootElement;

        // Then
        Assert.Equal(syntaxUid, r.GetProperty("ts").GetString());
        Assert.Equal("Zhang^San=张^三", r.GetProperty("name").GetString());
        Assert.Equal("1.2.826.0.1.3680043.2.1125.2", r.GetProperty("series").GetString());
        Assert.Equal([0.625, 0.5], r.GetProperty("spacing").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(2, r.GetProperty("rows").GetInt32());
        Assert.Equal("1.2.3.2", r.GetProperty("item").GetString());
        Assert.Equal("deadbeef", r.GetProperty("private").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(pixels)), r.GetProperty("pixels").GetString());
    }
}
