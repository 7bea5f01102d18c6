using System.ComponentModel;
using System.Diagnostics;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Fuzzing;

/// <summary>Makes the seed files: written by <see cref="DicomWriter"/>, and converted by dcmtk into the other transfer syntaxes when dcmtk is on the PATH.</summary>
public static class DicomFuzzSeeds
{
    /// <summary>The dcmtk conversions applied to the explicit VR little endian grey-scale seeds: name, tool and arguments.</summary>
    public static readonly IReadOnlyList<(string Name, string Tool, string[] Arguments)> DcmtkConversions =
    [
        ("dcmtk-implicit", "dcmconv", ["+ti"]),
        ("dcmtk-bigendian", "dcmconv", ["+tb"]),
        ("dcmtk-deflated", "dcmconv", ["+td"]),
        ("dcmtk-undefined-lengths", "dcmconv", ["-e"]),
        ("dcmtk-rle", "dcmcrle", []),
        ("dcmtk-jpeg-lossless-sv1", "dcmcjpeg", ["+e1"]),
        ("dcmtk-jpeg-lossless-p14", "dcmcjpeg", ["+el", "+sv", "6"]),
        ("dcmtk-jpeg-ls", "dcmcjpls", []),
    ];

    /// <summary>Builds every seed.</summary>
    /// <param name="workFolder">A scratch folder for dcmtk's inputs and outputs.</param>
    /// <param name="useDcmtk">Convert with dcmtk (skipped, and reported in <paramref name="skipped"/>, when a tool is missing).</param>
    /// <param name="skipped">Conversions that could not run, with the reason.</param>
    /// <returns>The seeds.</returns>
    public static IReadOnlyList<DicomFuzzSeed> Create(string workFolder, bool useDcmtk, out IReadOnlyList<string> skipped)
    {
        Directory.CreateDirectory(workFolder);
        var seeds = new List<DicomFuzzSeed>();
        var missing = new List<string>();
        var written = new List<(string Name, DicomDataset Dataset)>
        {
            ("mono16", MonoSlice(rows: 6, columns: 5, frames: 1)),
            ("mono16-multiframe", MonoSlice(rows: 4, columns: 3, frames: 3)),
            ("rgb8", RgbImage(rows: 4, columns: 4)),
        };
        foreach (var (name, dataset) in written)
        {
            foreach (var (label, syntax) in new[] { ("explicit", TransferSyntax.ExplicitVrLittleEndian), ("implicit", TransferSyntax.ImplicitVrLittleEndian) })
            {
                using var ms = new MemoryStream();
                DicomWriter.Write(dataset, ms, syntax);
                seeds.Add(Seed($"writer-{label}-{name}", ms.ToArray()));
            }
        }
        if (useDcmtk)
        {
            foreach (var (name, _) in written)
            {
                string input = Path.Combine(workFolder, $"{name}.dcm");
                File.WriteAllBytes(input, seeds.First(s => s.Name == $"writer-explicit-{name}").Bytes);
                foreach (var (conversion, tool, arguments) in DcmtkConversions)
                {
                    string output = Path.Combine(workFolder, $"{name}-{conversion}.dcm");
                    string? error = RunTool(tool, [.. arguments, input, output]);
                    if (error is null) seeds.Add(Seed($"{conversion}-{name}", File.ReadAllBytes(output)));
                    else missing.Add($"{conversion} of {name}: {error}");
                }
            }
        }
        skipped = missing;
        return seeds;
    }

    /// <summary>Wraps a valid file as a seed, walking its headers.</summary>
    /// <param name="name">The seed's name.</param>
    /// <param name="bytes">A file the reader accepts.</param>
    /// <returns>The seed.</returns>
    /// <exception cref="DicomFormatException">The file is not valid.</exception>
    public static DicomFuzzSeed Seed(string name, byte[] bytes)
    {
        var file = DicomFile.Parse(bytes, name);
        var ts = file.TransferSyntax;
        return new DicomFuzzSeed(name, bytes, DicomLayout.Walk(bytes, ts.IsExplicitVr, ts.IsLittleEndian, ts.IsDeflated));
    }

    private static string? RunTool(string tool, string[] arguments)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(psi)!;
            process.StandardOutput.ReadToEnd();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"{tool} exited with {process.ExitCode}: {stderr.Trim()}";
        }
        catch (Win32Exception)
        {
            return $"{tool} is not installed (apt-get install -y dcmtk)";
        }
    }

    private static DicomDataset Common(string sopInstance)
    {
        var ds = new DicomDataset();
        ds.SetString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100");
        ds.SetString(DicomTag.SopClassUid, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.4");
        ds.SetString(DicomTag.SopInstanceUid, DicomVR.UI, sopInstance);
        ds.SetString(DicomTag.StudyDate, DicomVR.DA, "20240131");
        ds.SetString(DicomTag.Modality, DicomVR.CS, "MR");
        ds.SetString(DicomTag.SeriesDescription, DicomVR.LO, "T2W tra");
        ds.SetString(DicomTag.PatientName, DicomVR.PN, "Müller^Hans");
        ds.SetString(DicomTag.PatientId, DicomVR.LO, "P001");
        ds.SetString(DicomTag.StudyInstanceUid, DicomVR.UI, "1.2.3");
        ds.SetString(DicomTag.SeriesInstanceUid, DicomVR.UI, "1.2.3.4");
        ds.SetInteger(DicomTag.InstanceNumber, 7);
        var code = new DicomDataset();
        code.SetString(new DicomTag(0x0008, 0x0100), DicomVR.SH, "CODE1");
        var nested = new DicomDataset();
        nested.SetString(new DicomTag(0x0018, 0x1072), DicomVR.TM, "101500");
        nested.SetDecimal(new DicomTag(0x0018, 0x1074), 370000000);
        nested.SetSequence(new DicomTag(0x0040, 0x0260), code, code);
        ds.SetSequence(new DicomTag(0x0054, 0x0016), nested);
        ds.SetString(new DicomTag(0x0029, 0x0010), DicomVR.LO, "FLIP TEST");
        ds.SetBytes(new DicomTag(0x0029, 0x1010), DicomVR.OB, new byte[] { 1, 2, 3, 4, 5, 6 });
        ds.SetFloat64(new DicomTag(0x0018, 0x9087), 800.5);
        return ds;
    }

    private static DicomDataset MonoSlice(int rows, int columns, int frames)
    {
        var ds = Common(frames == 1 ? "1.2.3.4.5" : "1.2.3.4.6");
        ds.SetDecimal(DicomTag.ImagePositionPatient, -100, -120.5, 30);
        ds.SetDecimal(DicomTag.ImageOrientationPatient, 1, 0, 0, 0, 1, 0);
        ds.SetDecimal(DicomTag.PixelSpacing, 0.8, 0.9);
        ds.SetDecimal(DicomTag.SliceThickness, 3);
        if (frames > 1)
        {
            ds.SetInteger(DicomTag.NumberOfFrames, frames);
            ds.SetDecimal(DicomTag.SpacingBetweenSlices, 3);
        }
        ds.SetUInt16(DicomTag.SamplesPerPixel, 1);
        ds.SetString(DicomTag.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2");
        ds.SetUInt16(DicomTag.Rows, (ushort)rows);
        ds.SetUInt16(DicomTag.Columns, (ushort)columns);
        ds.SetUInt16(DicomTag.BitsAllocated, 16);
        ds.SetUInt16(DicomTag.BitsStored, 12);
        ds.SetUInt16(DicomTag.HighBit, 11);
        ds.SetUInt16(DicomTag.PixelRepresentation, 0);
        ds.SetDecimal(DicomTag.RescaleIntercept, -1024);
        ds.SetDecimal(DicomTag.RescaleSlope, 2);
        var pixels = new byte[rows * columns * frames * 2];
        for (int i = 0; i < pixels.Length / 2; i++) BitConverter.TryWriteBytes(pixels.AsSpan(i * 2), (ushort)(i * 37 % 4096));
        ds.SetBytes(DicomTag.PixelData, DicomVR.OW, pixels);
        return ds;
    }

    private static DicomDataset RgbImage(int rows, int columns)
    {
        var ds = Common("1.2.3.4.7");
        ds.SetUInt16(DicomTag.SamplesPerPixel, 3);
        ds.SetString(DicomTag.PhotometricInterpretation, DicomVR.CS, "RGB");
        ds.SetUInt16(DicomTag.PlanarConfiguration, 0);
        ds.SetUInt16(DicomTag.Rows, (ushort)rows);
        ds.SetUInt16(DicomTag.Columns, (ushort)columns);
        ds.SetUInt16(DicomTag.BitsAllocated, 8);
        ds.SetUInt16(DicomTag.BitsStored, 8);
        ds.SetUInt16(DicomTag.HighBit, 7);
        ds.SetUInt16(DicomTag.PixelRepresentation, 0);
        var pixels = new byte[rows * columns * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 29);
        ds.SetBytes(DicomTag.PixelData, DicomVR.OB, pixels);
        return ds;
    }
}
