using Flip.Imaging.Dicom;

namespace Flip.Imaging.Tests.Dicom;

public sealed class DicomDictionaryTests
{
    [Fact]
    public void Dictionary_has_the_whole_standard_registry()
    {
        Assert.True(DicomDictionary.Count > 4000, $"only {DicomDictionary.Count} entries");
    }

    [Theory]
    [InlineData(0x0010, 0x0010, DicomVR.PN, "PatientName", "1")]
    [InlineData(0x0020, 0x0032, DicomVR.DS, "ImagePositionPatient", "3")]
    [InlineData(0x0054, 0x0016, DicomVR.SQ, "RadiopharmaceuticalInformationSequence", "1")]
    [InlineData(0x0028, 0x0106, DicomVR.US, "SmallestImagePixelValue", "1")]
    [InlineData(0x6002, 0x3000, DicomVR.OW, "OverlayData", "1")]
    [InlineData(0x0009, 0x0010, DicomVR.LO, "PrivateCreator", "1")]
    [InlineData(0x0018, 0x0000, DicomVR.UL, "GroupLength", "1")]
    public void TryLookup_finds_keyword_VR_and_VM(int group, int element, DicomVR vr, string keyword, string vm)
    {
        Assert.True(DicomDictionary.TryLookup(new DicomTag((ushort)group, (ushort)element), out var entry));
        Assert.Equal(vr, entry.VR);
        Assert.Equal(keyword, entry.Keyword);
        Assert.Equal(vm, entry.VM);
    }

    [Fact]
    public void Unknown_private_tags_are_UN_in_implicit_syntax()
    {
        Assert.False(DicomDictionary.TryLookup(new DicomTag(0x0029, 0x1010), out _));
        Assert.Equal(DicomVR.UN, DicomDictionary.ImplicitVR(new DicomTag(0x0029, 0x1010)));
    }

    [Fact]
    public void Keywords_find_their_tags()
    {
        Assert.True(DicomDictionary.TryFindKeyword("SeriesInstanceUID", out var tag));
        Assert.Equal(DicomTag.SeriesInstanceUid, tag);
        Assert.Equal("(0020,000E)", tag.ToString());
        Assert.Equal("0020000E", tag.ToHex());
        Assert.Equal(tag, DicomTag.Parse("(0020,000E)"));
    }
}
