using System.Text;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Tests.Dicom;

public sealed class DicomBadInputTests
{
    [Fact]
    public void Read_reports_offset_and_tag_when_length_exceeds_file()
    {
        // Given Pixel Data declaring 52,428,800 bytes with only 4 present
        var b = DicomBytes.Part10();
        long offset = b.Position;
        var bytes = b.Long(0x7FE0, 0x0010, "OW", 52_428_800, [1, 2, 3, 4]).ToArray();

        // When
        var e = Assert.Throws<DicomFormatException>(() => DicomFile.Parse(bytes, "/data/scan-0042.dcm"));

        // Then
        Assert.Equal($"scan-0042.dcm: at byte 0x{offset:X8}, element (7FE0,0010) PixelData (OW): value length 52,428,800 exceeds the 4 bytes left; expected an even length ≤ 4 (file truncated?).", e.Message);
        Assert.Equal(offset, e.Offset);
        Assert.Equal(DicomTag.PixelData, e.Tag);
        Assert.Equal("1.2.840.10008.1.2.1", e.TransferSyntaxUid);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
    }

    [Fact]
    public void Read_rejects_odd_lengths_unless_allowed()
    {
        var bytes = DicomBytes.Part10().Short(0x0010, 0x0020, "LO", Encoding.ASCII.GetBytes("ABC")).ToArray();
        var e = Assert.Throws<DicomFormatException>(() => DicomFile.Parse(bytes, "odd.dcm"));
        Assert.Contains("element (0010,0020) PatientID (LO): odd value length 3; expected an even length (PS3.5 §7.1.1).", e.Message);
        Assert.NotNull(e.Fix);
        var lenient = DicomFile.Parse(bytes, "odd.dcm", new DicomReadOptions { AllowOddLengths = true });
        Assert.Equal("ABC", lenient.Dataset.GetString(DicomTag.PatientId));
    }

    [Fact]
    public void Read_rejects_bytes_that_are_not_a_VR()
    {
        var bytes = DicomBytes.Part10().Short(0x0010, 0x0020, "l0", Encoding.ASCII.GetBytes("AB")).ToArray();
        var e = Assert.Throws<DicomFormatException>(() => DicomFile.Parse(bytes, "vr.dcm"));
        Assert.Contains("element (0010,0020) PatientID: VR bytes 0x6C 0x30 are not a value representation", e.Message);
    }

    [Fact]
    public void Read_rejects_undefined_length_on_a_text_element()
    {
        var bytes = DicomBytes.Part10().Long(0x0010, 0x0020, "UT", 0xFFFFFFFF).ToArray();
        var e = Assert.Throws<DicomFormatException>(() => DicomFile.Parse(bytes, "u.dcm"));
        Assert.Contains("(UT): undefined length (0xFFFFFFFF); expected a defined length", e.Message);
    }

    [Fact]
    public void Read_stops_a_sequence_nesting_bomb_at_the_depth_cap()
    {
        // Given 10,000 sequences nested inside each other, each with undefined length
        var b = DicomBytes.Part10();
        for (int i = 0; i < 10_000; i++) b.Long(0x0040, 0x0260, "SQ", 0xFFFFFFFF).Item(0xFFFFFFFF);

        // When
        var e = Assert.Throws<DicomFormatException>(() => DicomFile.Parse(b.ToArray(), "bomb.dcm"));

        // Then
        Assert.Contains("sequences nested deeper than 32 levels; expected at most 32.", e.Message);
    }

    [Fact]
    public void Read_reports_a_missing_item_delimiter_in_a_truncated_sequence()
    {
        var bytes = DicomBytes.Part10().Long(0x0040, 0x0260, "SQ", 0xFFFFFFFF).Item(0xFFFFFFFF)
            .Short(0x0008, 0x0100, "SH", Encoding.ASCII.GetBytes("AB")).ToArray();
        var e = Assert.Throws<DicomFormatException>(() => DicomFile.Parse(bytes, "t.dcm"));
        Assert.Contains("expected a delimitation item", e.Message);
    }

    [Fact]
    public void Read_reports_a_non_item_inside_a_sequence()
    {
        var bytes = DicomBytes.Part10().Long(0x0040, 0x0260, "SQ", 10)
            .Short(0x0008, 0x0100, "SH", Encoding.ASCII.GetBytes("AB")).ToArray();
        var e = Assert.Throws<DicomFormatException>(() => DicomFile.Parse(bytes, "t.dcm"));
        Assert.Contains("found tag (0008,0100); expected an item (FFFE,E000)", e.Message);
    }

    [Fact]
    public void Read_reports_a_truncated_header()
    {
        var bytes = DicomBytes.Part10().Raw([0x10, 0x00, 0x10]).ToArray();
        var e = Assert.Throws<DicomFormatException>(() => DicomFile.Parse(bytes, "t.dcm"));
        Assert.Contains("element header needs 8 bytes but only 3 remain", e.Message);
    }

    [Fact]
    public void Read_rejects_a_file_that_is_not_dicom()
    {
        var e = Assert.Throws<DicomFormatException>(() => DicomFile.Parse(Encoding.ASCII.GetBytes("hello, this is a text file"), "notes.txt"));
        Assert.StartsWith("notes.txt: not a DICOM file (26 bytes); expected 'DICM' at byte 0x00000080", e.Message);
    }

    [Fact]
    public void Read_requires_a_transfer_syntax_in_the_file_meta()
    {
        var b = new DicomBytes().Raw(new byte[128]).Raw("DICM"u8.ToArray()).Short(0x0002, 0x0002, "UI", Encoding.ASCII.GetBytes("1.2\0"));
        var e = Assert.Throws<DicomFormatException>(() => DicomFile.Parse(b.ToArray(), "m.dcm"));
        Assert.Contains("has no (0002,0010) TransferSyntaxUID", e.Message);
    }

    [Fact]
    public void DetectVrEncoding_reads_an_implicit_dataset_announced_as_explicit()
    {
        // Given file meta saying Explicit VR Little Endian followed by an implicit VR element
        var b = DicomBytes.Part10().Raw([0x10, 0x00, 0x20, 0x00, 4, 0, 0, 0]).Raw("P123"u8.ToArray());

        // Then the strict default names the problem, and the named leniency reads it
        var e = Assert.Throws<DicomFormatException>(() => DicomFile.Parse(b.ToArray(), "liar.dcm"));
        Assert.Contains("are not a value representation", e.Message);
        var file = DicomFile.Parse(b.ToArray(), "liar.dcm", new DicomReadOptions { DetectVrEncoding = true });
        Assert.Equal("P123", file.Dataset.GetString(DicomTag.PatientId));
    }

    [Fact]
    public void Read_caps_a_deflate_bomb()
    {
        // Given 4 MiB of zeros deflated to a few KiB
        using var ms = new MemoryStream();
        using (var z = new System.IO.Compression.DeflateStream(ms, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            z.Write(new byte[4 << 20]);
        var bytes = DicomBytes.Part10("1.2.840.10008.1.2.1.99").Raw(ms.ToArray()).ToArray();

        var e = Assert.Throws<DicomFormatException>(() => DicomFile.Parse(bytes, "z.dcm", new DicomReadOptions { MaxInflatedBytes = 1 << 20 }));
        Assert.Contains("inflates to more than 1,048,576 bytes", e.Message);
    }
}
