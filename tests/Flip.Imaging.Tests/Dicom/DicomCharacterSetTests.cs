using System.Text;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Tests.Dicom;

public sealed class DicomCharacterSetTests
{
    private static string Decode(string terms, byte[] bytes) => DicomCharacterSet.FromTerms(terms.Split('\\')).Decode(bytes);

    private static Encoding CodePage(int cp) => CodePagesEncodingProvider.Instance.GetEncoding(cp) ?? Encoding.GetEncoding(cp);

    [Fact]
    public void Default_repertoire_reads_ascii()
    {
        Assert.Equal("Smith^John", DicomCharacterSet.Default.Decode("Smith^John"u8));
    }

    [Theory]
    [InlineData("ISO_IR 100", 28591, "Buc^Jérôme")]
    [InlineData("ISO_IR 101", 28592, "Wałęsa^Lech")]
    [InlineData("ISO_IR 144", 28595, "Люкceмбypг")]
    [InlineData("ISO_IR 126", 28597, "Διονυσιος")]
    [InlineData("ISO_IR 138", 28598, "שרון^דבורה")]
    [InlineData("ISO_IR 148", 28599, "Çağrı^Öztürk")]
    [InlineData("ISO_IR 203", 28605, "Žižek^€")]
    [InlineData("ISO_IR 166", 874, "ภาษาไทย")]
    [InlineData("GB18030", 54936, "Wang^XiaoDong=王^小东=")]
    [InlineData("GBK", 936, "王^小东")]
    public void Single_code_sets_decode_their_bytes(string term, int codePage, string text)
    {
        var bytes = CodePage(codePage).GetBytes(text);
        Assert.Equal(text, Decode(term, bytes));
    }

    [Fact]
    public void ISO_IR_192_is_utf8()
    {
        Assert.Equal("Wang^XiaoDong=王^小東=", Decode("ISO_IR 192", Encoding.UTF8.GetBytes("Wang^XiaoDong=王^小東=")));
    }

    [Fact]
    public void ISO_2022_IR_87_decodes_japanese_with_escape_sequences()
    {
        // PS3.5 Annex H.3.1, example 1: Yamada^Tarou=山田^太郎=やまだ^たろう
        byte[] bytes =
        [
            0x59, 0x61, 0x6d, 0x61, 0x64, 0x61, 0x5e, 0x54, 0x61, 0x72, 0x6f, 0x75, 0x3d,
            0x1b, 0x24, 0x42, 0x3b, 0x33, 0x45, 0x44, 0x1b, 0x28, 0x42, 0x5e, 0x1b, 0x24, 0x42, 0x42, 0x40, 0x4f, 0x3a, 0x1b, 0x28, 0x42, 0x3d,
            0x1b, 0x24, 0x42, 0x24, 0x64, 0x24, 0x5e, 0x24, 0x40, 0x1b, 0x28, 0x42, 0x5e, 0x1b, 0x24, 0x42, 0x24, 0x3f, 0x24, 0x6d, 0x24, 0x26, 0x1b, 0x28, 0x42,
        ];
        Assert.Equal("Yamada^Tarou=山田^太郎=やまだ^たろう", Decode("\\ISO 2022 IR 87", bytes));
    }

    [Fact]
    public void ISO_2022_IR_149_decodes_korean_with_escape_sequences()
    {
        // PS3.5 Annex I.2: Hong^Gildong=洪^吉洞=홍^길동
        byte[] bytes =
        [
            0x48, 0x6f, 0x6e, 0x67, 0x5e, 0x47, 0x69, 0x6c, 0x64, 0x6f, 0x6e, 0x67, 0x3d,
            0x1b, 0x24, 0x29, 0x43, 0xfb, 0xf3, 0x5e, 0x1b, 0x24, 0x29, 0x43, 0xd1, 0xce, 0xd4, 0xd7, 0x3d,
            0x1b, 0x24, 0x29, 0x43, 0xc8, 0xab, 0x5e, 0x1b, 0x24, 0x29, 0x43, 0xb1, 0xe6, 0xb5, 0xbf,
        ];
        Assert.Equal("Hong^Gildong=洪^吉洞=홍^길동", Decode("\\ISO 2022 IR 149", bytes));
    }

    [Fact]
    public void ISO_2022_switches_between_latin_sets()
    {
        // G1 switched from Latin-1 to Cyrillic (ESC - L) mid-value.
        byte[] bytes = [0x1b, 0x2d, 0x41, 0xe9, 0x5e, 0x1b, 0x2d, 0x4c, 0xbb, 0xee];
        Assert.Equal("é^Лю", Decode("ISO 2022 IR 100\\ISO 2022 IR 144", bytes));
    }

    [Fact]
    public void Unknown_terms_are_rejected_with_the_defined_terms_named()
    {
        var e = Assert.Throws<ArgumentException>(() => DicomCharacterSet.FromTerms(["ISO_IR 999"]));
        Assert.StartsWith("'ISO_IR 999' is not a Specific Character Set defined term", e.Message);
    }

    [Fact]
    public void Items_inherit_the_character_set_of_their_dataset()
    {
        var parent = new DicomDataset();
        parent.SetString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        var b = DicomBytes.Part10().Short(0x0008, 0x0005, "CS", "ISO_IR 192"u8.ToArray())
            .Long(0x0040, 0x0260, "SQ", 0xFFFFFFFF).Item(0xFFFFFFFF)
            .Short(0x0008, 0x0104, "LO", Encoding.UTF8.GetBytes("Ü王 "))
            .Raw([0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        var ds = DicomFile.Parse(b.ToArray()).Dataset;
        Assert.Equal("Ü王", ds.GetSequence(new DicomTag(0x0040, 0x0260))[0].GetString(new DicomTag(0x0008, 0x0104)));
    }
}
