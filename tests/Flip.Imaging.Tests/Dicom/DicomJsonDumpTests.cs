using System.Text.Json;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Tests.Dicom;

[Collection("dcmtk")]
public sealed class DicomJsonDumpTests(DcmtkFixture files)
{
    [Fact]
    public void ToJson_has_the_issue_3_shape()
    {
        // When
        var json = DicomJsonDump.ToJson(DicomFile.Open(files.PathOf("explicit.dcm")));
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;

        // Then
        Assert.Equal("1.2.840.10008.1.2.1", root.GetProperty("transferSyntax").GetString());
        var elements = root.GetProperty("elements").EnumerateArray().ToList();
        var name = elements.Single(e => e.GetProperty("tag").GetString() == "00100010");
        Assert.Equal("PN", name.GetProperty("vr").GetString());
        Assert.Equal(1, name.GetProperty("vm").GetInt32());
        Assert.Equal("Müller^Hans", name.GetProperty("value").GetString());
        var position = elements.Single(e => e.GetProperty("tag").GetString() == "00200032");
        Assert.Equal(3, position.GetProperty("vm").GetInt32());
        Assert.Equal("-100\\-120.5\\30", position.GetProperty("value").GetString());
        var rows = elements.Single(e => e.GetProperty("tag").GetString() == "00280010");
        Assert.Equal("4", rows.GetProperty("value").GetString());
        var sequence = elements.Single(e => e.GetProperty("tag").GetString() == "00540016");
        var item = Assert.Single(sequence.GetProperty("items").EnumerateArray());
        var nested = item.GetProperty("elements").EnumerateArray().Single(e => e.GetProperty("tag").GetString() == "00400260");
        Assert.Equal(2, nested.GetProperty("items").GetArrayLength());
        var pixelElement = elements.Single(e => e.GetProperty("tag").GetString() == "7FE00010");
        Assert.Equal(40, pixelElement.GetProperty("length").GetInt32());
        var pixels = root.GetProperty("pixels");
        Assert.Equal(4, pixels.GetProperty("rows").GetInt32());
        Assert.Equal(5, pixels.GetProperty("columns").GetInt32());
        Assert.Equal(1, pixels.GetProperty("frames").GetInt32());
        Assert.Equal(16, pixels.GetProperty("bitsAllocated").GetInt32());
        Assert.Equal(12, pixels.GetProperty("bitsStored").GetInt32());
        Assert.Equal(0, pixels.GetProperty("pixelRepresentation").GetInt32());
        var expected = new byte[40];
        for (int i = 0; i < 20; i++) BitConverter.TryWriteBytes(expected.AsSpan(i * 2), files.PixelValues[i]);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(expected)), pixels.GetProperty("sha256").GetString());
    }

    [Fact]
    public void ToJson_is_the_same_in_every_transfer_syntax_apart_from_the_syntax_and_private_VRs()
    {
        static string Normalise(string json) => string.Join('\n', json.Split('\n').Where(l => !l.Contains("transferSyntax", StringComparison.Ordinal)));
        var explicitJson = DicomJsonDump.ToJson(DicomFile.Open(files.PathOf("explicit.dcm")));
        Assert.Equal(Normalise(explicitJson), Normalise(DicomJsonDump.ToJson(DicomFile.Open(files.PathOf("bigendian.dcm")))));
        Assert.Equal(Normalise(explicitJson), Normalise(DicomJsonDump.ToJson(DicomFile.Open(files.PathOf("deflated.dcm")))));
    }
}
