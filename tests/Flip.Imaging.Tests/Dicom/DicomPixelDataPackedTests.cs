using Flip.Imaging.Dicom;

namespace Flip.Imaging.Tests.Dicom;

public sealed class DicomPixelDataPackedTests
{
    [Fact]
    public void GetFrame_unpacks_1_bit_masks_least_significant_bit_first()
    {
        // Given a 3 × 5 one-bit mask: bits 0, 3, 7 and 14 set (PS3.5 §D: first pixel in the lowest bit)
        var ds = new DicomDataset();
        ds.SetUInt16(DicomTag.Rows, 3);
        ds.SetUInt16(DicomTag.Columns, 5);
        ds.SetUInt16(DicomTag.BitsAllocated, 1);
        ds.SetUInt16(DicomTag.BitsStored, 1);
        ds.SetBytes(DicomTag.PixelData, DicomVR.OB, new byte[] { 0b1000_1001, 0b0100_0000 });

        // When
        var frame = DicomPixelData.Create(ds, TransferSyntax.ExplicitVrLittleEndian).GetFrame(0);

        // Then
        var expected = new byte[15];
        expected[0] = expected[3] = expected[7] = expected[14] = 1;
        Assert.Equal(expected, frame);
    }

    [Fact]
    public void GetFrame_uses_the_extended_offset_table_to_find_frames()
    {
        // Given two RLE frames of one 2-byte pixel each, split over three fragments, located by an Extended Offset Table
        static byte[] RleFrame(byte value)
        {
            var f = new byte[64 + 2];
            f[0] = 1;
            f[4] = 64;
            f[64] = 0;       // literal run of one byte
            f[65] = value;
            return f;
        }
        var frame0 = RleFrame(7);
        var frame1 = RleFrame(9);
        var fragments = new List<ReadOnlyMemory<byte>> { frame0.AsMemory(0, 40), frame0.AsMemory(40), frame1 };
        // Item offsets: fragment n starts 8 bytes (item header) after the previous fragment's end.
        var offsets = new List<long> { 0, 48, 48 + 8 + 26 };
        var ds = new DicomDataset();
        ds.SetUInt16(DicomTag.Rows, 1);
        ds.SetUInt16(DicomTag.Columns, 1);
        ds.SetUInt16(DicomTag.BitsAllocated, 8);
        ds.SetInteger(DicomTag.NumberOfFrames, 2);
        var eot = new byte[16];
        BitConverter.TryWriteBytes(eot.AsSpan(8), 48L + 8 + 26);
        ds.SetBytes(DicomTag.ExtendedOffsetTable, DicomVR.OV, eot);
        ds.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, new DicomFragments(ReadOnlyMemory<byte>.Empty, fragments, offsets)));

        // When
        var pixels = DicomPixelData.Create(ds, TransferSyntax.RleLossless);

        // Then
        Assert.Equal(new byte[] { 7 }, pixels.GetFrame(0));
        Assert.Equal(new byte[] { 9 }, pixels.GetFrame(1));
    }

    [Fact]
    public void GetFrame_names_frame_codec_and_problem_for_a_corrupt_RLE_frame()
    {
        var ds = new DicomDataset();
        ds.SetUInt16(DicomTag.Rows, 1);
        ds.SetUInt16(DicomTag.Columns, 4);
        ds.SetUInt16(DicomTag.BitsAllocated, 8);
        var frame = new byte[64 + 2];
        frame[0] = 2; // two segments for one 8-bit sample
        frame[4] = 64;
        ds.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, new DicomFragments(ReadOnlyMemory<byte>.Empty, [frame], [0])));
        var e = Assert.Throws<DicomFormatException>(() => DicomPixelData.Create(ds, TransferSyntax.RleLossless).GetFrame(0));
        Assert.Equal("<bytes>: element (7FE0,0010) PixelData, frame 0: cannot decode the RLE data: RLE header lists 2 segments; expected 1 (1 samples × 1 bytes); expected a complete RLE stream this reader supports.", e.Message);
        Assert.Contains("gdcmconv --raw", e.Fix, StringComparison.Ordinal);
    }
}
