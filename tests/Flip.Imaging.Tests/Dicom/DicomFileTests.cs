using System.Buffers.Binary;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Tests.Dicom;

[Collection("dcmtk")]
public sealed class DicomFileTests(DcmtkFixture files)
{
    public static TheoryData<string> Variants() => new(DcmtkFixture.Variants);

    [Theory]
    [MemberData(nameof(Variants))]
    public void Open_reads_the_same_values_in_every_transfer_syntax(string name)
    {
        // When
        var file = DicomFile.Open(files.PathOf(name));
        var ds = file.Dataset;

        // Then
        Assert.Equal("Müller^Hans", ds.GetString(DicomTag.PatientName));
        Assert.Equal("P001", ds.GetString(DicomTag.PatientId));
        Assert.Equal("1.2.3.4", ds.GetString(DicomTag.SeriesInstanceUid));
        Assert.Equal(4, ds.GetInt32(DicomTag.Rows));
        Assert.Equal(5, ds.GetInt32(DicomTag.Columns));
        Assert.Equal(7, ds.GetInt32(DicomTag.InstanceNumber));
        Assert.Equal([-100, -120.5, 30], ds.GetDoubles(DicomTag.ImagePositionPatient));
        Assert.Equal(72.5, ds.GetDouble(DicomTag.PatientWeight));
        Assert.Equal(["0.8", "0.9"], ds.GetStrings(DicomTag.PixelSpacing));
        var radio = Assert.Single(ds.GetSequence(DicomTag.RadiopharmaceuticalInformationSequence));
        Assert.Equal(370000000, radio.GetDouble(DicomTag.RadionuclideTotalDose));
        var codes = radio.GetSequence(new DicomTag(0x0040, 0x0260));
        Assert.Equal(["CODE1", "CODE2"], codes.Select(c => c.GetString(new DicomTag(0x0008, 0x0100))));
        Assert.Equal("FLIP TEST", ds.GetString(new DicomTag(0x0029, 0x0010)));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, ds.GetElement(new DicomTag(0x0029, 0x1010)).RawValue.ToArray());
        var pixels = ds.GetElement(DicomTag.PixelData).RawValue.Span;
        Assert.Equal(40, pixels.Length);
        for (int i = 0; i < files.PixelValues.Length; i++)
            Assert.Equal(files.PixelValues[i], BinaryPrimitives.ReadUInt16LittleEndian(pixels[(i * 2)..]));
    }

    [Theory]
    [InlineData("rle.dcm")]
    [InlineData("jpeg-sv1.dcm")]
    [InlineData("jpeg-sv6.dcm")]
    [InlineData("jpeg-ls.dcm")]
    public void Compressed_copies_decode_to_the_same_pixels(string name)
    {
        var pixels = DicomPixelData.Create(DicomFile.Open(files.PathOf(name)));
        var frame = pixels.GetFrame(0);
        for (int i = 0; i < files.PixelValues.Length; i++)
            Assert.Equal(files.PixelValues[i], BinaryPrimitives.ReadUInt16LittleEndian(frame.AsSpan(i * 2)));
    }

    [Theory]
    [InlineData("explicit.dcm", "1.2.840.10008.1.2.1", true)]
    [InlineData("implicit.dcm", "1.2.840.10008.1.2", true)]
    [InlineData("bigendian.dcm", "1.2.840.10008.1.2.2", true)]
    [InlineData("deflated.dcm", "1.2.840.10008.1.2.1.99", true)]
    [InlineData("bare-implicit.dcm", "1.2.840.10008.1.2", false)]
    [InlineData("bare-explicit.dcm", "1.2.840.10008.1.2.1", false)]
    public void Open_detects_the_transfer_syntax_and_preamble(string name, string uid, bool preamble)
    {
        var file = DicomFile.Open(files.PathOf(name));
        Assert.Equal(uid, file.TransferSyntax.Uid);
        Assert.Equal(preamble, file.HasPreamble);
    }

    [Fact]
    public void Private_tags_keep_their_VR_in_explicit_syntax_and_are_UN_in_implicit()
    {
        var explicitFile = DicomFile.Open(files.PathOf("explicit.dcm"));
        var implicitFile = DicomFile.Open(files.PathOf("implicit.dcm"));
        var tag = new DicomTag(0x0029, 0x1011);
        Assert.Equal(DicomVR.SL, explicitFile.Dataset.GetElement(tag).VR);
        Assert.Equal(-5, explicitFile.Dataset.GetInt32(tag));
        Assert.Equal(7, explicitFile.Dataset.GetInt32(tag, 1));
        Assert.Equal(DicomVR.UN, implicitFile.Dataset.GetElement(tag).VR);
        Assert.Equal(explicitFile.Dataset.GetElement(tag).RawValue.ToArray(), implicitFile.Dataset.GetElement(tag).RawValue.ToArray());
    }

    [Fact]
    public void Element_offsets_point_at_the_tag_in_the_file()
    {
        // Given
        var path = files.PathOf("explicit.dcm");
        var bytes = File.ReadAllBytes(path);

        // When
        var file = DicomFile.Open(path);

        // Then every top-level element's offset holds its own tag, group then element, little endian.
        foreach (var e in file.Dataset)
        {
            Assert.Equal(e.Tag.Group, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan((int)e.Offset)));
            Assert.Equal(e.Tag.Element, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan((int)e.Offset + 2)));
        }
        Assert.Equal(bytes.Length - 40 - 12, file.Dataset.GetElement(DicomTag.PixelData).Offset);
    }

    [Fact]
    public void HeaderOnly_stops_before_pixel_data()
    {
        var file = DicomFile.Open(files.PathOf("explicit.dcm"), DicomReadOptions.HeaderOnly);
        Assert.True(file.IsPartial);
        Assert.False(file.Dataset.Contains(DicomTag.PixelData));
        Assert.Equal(5, file.Dataset.GetInt32(DicomTag.Columns));
    }

    [Fact]
    public void StopWhen_stops_before_the_first_matching_tag()
    {
        var file = DicomFile.Open(files.PathOf("implicit.dcm"), new DicomReadOptions { StopWhen = t => t.Group >= 0x0020 });
        Assert.True(file.Dataset.Contains(DicomTag.PatientId));
        Assert.False(file.Dataset.Contains(DicomTag.SeriesInstanceUid));
    }

    [Fact]
    public void Getters_follow_the_get_try_default_triplet()
    {
        var ds = DicomFile.Open(files.PathOf("explicit.dcm")).Dataset;
        Assert.False(ds.TryGetString(DicomTag.StudyDescription, out _));
        Assert.Equal("none", ds.GetStringOrDefault(DicomTag.StudyDescription, "none"));
        Assert.Equal("T2W tra", ds.GetStringOrDefault(DicomTag.SeriesDescription, "none"));
        Assert.Equal(-1, ds.GetInt32OrDefault(DicomTag.NumberOfFrames, -1));
        Assert.Equal(2.0, ds.GetDoubleOrDefault(DicomTag.RescaleSlope, 1));
        var missing = Assert.Throws<DicomFormatException>(() => ds.GetString(DicomTag.StudyDescription));
        Assert.Equal("explicit.dcm: attribute (0008,1030) StudyDescription is missing; expected it to be present.", missing.Message);
        Assert.Equal(DicomTag.StudyDescription, missing.Tag);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Our_values_match_dcmdump_for_every_top_level_text_element(string name)
    {
        // Given dcmdump's view of the file, converted to UTF-8
        var path = files.PathOf(name);
        var dump = Dcmtk.Run("dcmdump", files.Folder, "+U8", "-q", path);
        var ds = DicomFile.Open(path).Dataset;
        int compared = 0;

        // Then each "(gggg,eeee) VR [value]" line at the top level equals our decoded value
        foreach (var line in dump.Split('\n'))
        {
            if (!line.StartsWith('(') || line.StartsWith("(0002", StringComparison.Ordinal) || line.StartsWith("(0008,0005)", StringComparison.Ordinal)) continue;
            int open = line.IndexOf('[', StringComparison.Ordinal), close = line.LastIndexOf(']');
            if (open < 0 || close < open) continue;
            var tag = DicomTag.Parse(line[..11]);
            Assert.Equal(line[(open + 1)..close], ds.GetString(tag));
            compared++;
        }
        Assert.True(compared >= 16, $"compared only {compared} elements");
    }
}
