using CsCheck;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Tests.Dicom;

[Collection("dcmtk")]
public sealed class DicomWriterTests(DcmtkFixture files)
{
    public static TheoryData<string, string> RoundTrips()
    {
        var data = new TheoryData<string, string>();
        foreach (var v in DcmtkFixture.Variants)
        {
            data.Add(v, TransferSyntax.ExplicitVrLittleEndian.Uid);
            data.Add(v, TransferSyntax.ImplicitVrLittleEndian.Uid);
        }
        return data;
    }

    internal static void AssertSameElements(DicomDataset expected, DicomDataset actual, bool vrMayBeUnknown)
    {
        var want = expected.Where(e => e.Tag.Element != 0).ToList();
        var got = actual.Where(e => e.Tag.Element != 0).ToList();
        Assert.Equal(want.Select(e => e.Tag), got.Select(e => e.Tag));
        for (int i = 0; i < want.Count; i++)
        {
            var (a, b) = (want[i], got[i]);
            if (!(vrMayBeUnknown && (a.VR == DicomVR.UN || b.VR == DicomVR.UN))) Assert.Equal(a.VR, b.VR);
            Assert.Equal(a.Items.Count, b.Items.Count);
            for (int k = 0; k < a.Items.Count; k++) AssertSameElements(a.Items[k], b.Items[k], vrMayBeUnknown);
            var padded = a.RawValue.ToArray();
            if (padded.Length % 2 == 1) padded = [.. padded, DicomVRInfo.PaddingByte(a.VR)];
            Assert.Equal(padded, b.RawValue.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Read_write_read_keeps_every_element(string name, string syntaxUid)
    {
        // Given
        var original = DicomFile.Open(files.PathOf(name));
        var path = Path.Combine(files.Folder, $"rt-{name}-{syntaxUid}.dcm");

        // When
        original.Save(path, TransferSyntax.FromUid(syntaxUid));
        var copy = DicomFile.Open(path);

        // Then
        Assert.Equal(syntaxUid, copy.TransferSyntax.Uid);
        AssertSameElements(original.Dataset, copy.Dataset, vrMayBeUnknown: true);
        Assert.Equal("Müller^Hans", copy.Dataset.GetString(DicomTag.PatientName));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2")]
    public void Dcmdump_reads_our_output_and_shows_the_same_values(string syntaxUid)
    {
        // Given
        var source = files.PathOf("explicit.dcm");
        var ours = Path.Combine(files.Folder, $"ours-{syntaxUid}.dcm");
        DicomFile.Open(source).Save(ours, TransferSyntax.FromUid(syntaxUid));

        // When dcmdump prints both (values only: tag, VR and the bracketed value)
        static IEnumerable<string> Values(string dump) => dump.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith('(') && !l.StartsWith("(0002", StringComparison.Ordinal) && !l.StartsWith("(fffe", StringComparison.Ordinal))
            .Select(l => l.Split('#')[0].TrimEnd());
        // Implicit VR cannot carry the VR of private elements, so dcmdump shows them as unknown there.
        bool keepPrivate = syntaxUid != TransferSyntax.ImplicitVrLittleEndian.Uid;
        var expected = Values(Dcmtk.Run("dcmdump", files.Folder, "-q", source)).Where(l => keepPrivate || !l.StartsWith("(0029,1", StringComparison.Ordinal)).ToList();
        var actual = Values(Dcmtk.Run("dcmdump", files.Folder, "-q", "-E", ours)).Where(l => keepPrivate || !l.StartsWith("(0029,1", StringComparison.Ordinal)).ToList();

        // Then (sequence headers differ only in "explicit length" versus "undefined length")
        Assert.Equal(expected.Where(l => !l.Contains(" SQ ", StringComparison.Ordinal)), actual.Where(l => !l.Contains(" SQ ", StringComparison.Ordinal)));
        Assert.True(expected.Count > 30);
    }

    [Fact]
    public void Written_strings_round_trip_in_their_character_set()
    {
        var ds = new DicomDataset();
        ds.SetString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        ds.SetString(DicomTag.PatientName, DicomVR.PN, "Wang^XiaoDong=王^小東");
        ds.SetString(DicomTag.SopInstanceUid, DicomVR.UI, "1.2.3");
        ds.SetDecimal(DicomTag.PixelSpacing, 0.5, 1.0 / 3);
        ds.SetInteger(DicomTag.InstanceNumber, 12);
        var path = Path.Combine(files.Folder, "utf8.dcm");
        DicomWriter.Save(ds, path);
        var read = DicomFile.Open(path).Dataset;
        Assert.Equal("Wang^XiaoDong=王^小東", read.GetString(DicomTag.PatientName));
        Assert.Equal("0.5\\0.33333333333333", read.GetString(DicomTag.PixelSpacing));
        Assert.Equal(12, read.GetInt32(DicomTag.InstanceNumber));
        Assert.Equal("1.2.3", DicomFile.Open(path).FileMetaInformation.GetString(DicomTag.MediaStorageSopInstanceUid));
    }

    [Fact]
    public void Write_refuses_big_endian()
    {
        var e = Assert.Throws<ArgumentException>(() => DicomWriter.Write(new DicomDataset(), Stream.Null, TransferSyntax.ExplicitVrBigEndian));
        Assert.StartsWith("cannot write Explicit VR Big Endian (1.2.840.10008.1.2.2); expected Explicit VR Little Endian or Implicit VR Little Endian.", e.Message);
    }

    [Fact]
    public void Compressed_pixel_data_is_written_back_in_its_own_syntax()
    {
        var folder = Directory.CreateDirectory(Path.Combine(files.Folder, "rle-rt")).FullName;
        var image = new SyntheticImage(16, 20, 2, 1, 16, 12, false);
        Dcmtk.Run("dcmcrle", folder, image.Write(folder, "i"), "rle.dcm");
        var original = DicomFile.Open(Path.Combine(folder, "rle.dcm"));
        original.Save(Path.Combine(folder, "copy.dcm"));
        var copy = DicomFile.Open(Path.Combine(folder, "copy.dcm"));
        Assert.Equal(TransferSyntax.RleLossless.Uid, copy.TransferSyntax.Uid);
        Assert.Equal(image.ExpectedFrame(1), DicomPixelData.Create(copy).GetFrame(1));
    }

    [Fact]
    public void Generated_datasets_round_trip_through_both_syntaxes()
    {
        var text = Gen.String[Gen.Char['A', 'Z'], 0, 20];
        var gen = Gen.Select(text, Gen.UShort.Array[0, 8], Gen.Double[-1e6, 1e6], Gen.Int[0, 3], Gen.Bool);
        gen.Sample((name, words, number, items, implicitVr) =>
        {
            var ds = new DicomDataset();
            ds.SetString(DicomTag.PatientName, DicomVR.PN, name);
            ds.SetUInt16(new DicomTag(0x0028, 0x0010), words);
            ds.SetFloat64(new DicomTag(0x0018, 0x9087), number);
            var children = Enumerable.Range(0, items).Select(i =>
            {
                var item = new DicomDataset();
                item.SetString(new DicomTag(0x0008, 0x0100), DicomVR.SH, name + i);
                return item;
            }).ToArray();
            ds.SetSequence(DicomTag.ReferencedImageSequence, children);
            ds.SetBytes(new DicomTag(0x0029, 0x1010), DicomVR.OB, words.Select(w => (byte)w).ToArray());
            using var ms = new MemoryStream();
            DicomWriter.Write(ds, ms, implicitVr ? TransferSyntax.ImplicitVrLittleEndian : TransferSyntax.ExplicitVrLittleEndian);
            var read = DicomFile.Parse(ms.ToArray()).Dataset;
            AssertSameElements(ds, read, vrMayBeUnknown: implicitVr);
        }, iter: 300);
    }
}
