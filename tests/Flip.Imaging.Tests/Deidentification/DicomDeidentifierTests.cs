using Flip.Imaging.Deidentification;
using Flip.Imaging.Dicom;
using Flip.Imaging.Pet;
using Flip.Imaging.Tests.Pet;

namespace Flip.Imaging.Tests.Deidentification;

[Collection("dcmtk")]
public sealed class DicomDeidentifierTests(DcmtkFixture files)
{
    private static readonly byte[] Key = "site-secret-key-0123456789abcdef"u8.ToArray();

    [Fact]
    public void Deidentify_removes_identifiers_and_private_tags_and_keeps_pixels()
    {
        // Given
        var original = DicomFile.Open(files.PathOf("explicit.dcm")).Dataset;
        var deid = new DicomDeidentifier(new DeidentificationOptions { Key = Key });

        // When
        var result = deid.Deidentify(original);

        // Then
        Assert.Equal(deid.Pseudonym("P001"), result.GetString(DicomTag.PatientName));
        Assert.Equal(deid.Pseudonym("P001"), result.GetString(DicomTag.PatientId));
        Assert.StartsWith("ANON-", result.GetString(DicomTag.PatientId));
        Assert.False(result.Contains(DicomTag.SeriesDescription));
        Assert.False(result.Contains(DicomTag.PatientWeight));
        Assert.False(result.Contains(new DicomTag(0x0029, 0x0010)));
        Assert.False(result.Contains(new DicomTag(0x0029, 0x1010)));
        Assert.Equal("YES", result.GetString(DicomTag.PatientIdentityRemoved));
        Assert.Equal(original.GetElement(DicomTag.PixelData).RawValue.ToArray(), result.GetElement(DicomTag.PixelData).RawValue.ToArray());
        Assert.Equal("1.2.840.10008.5.1.4.1.1.4", result.GetString(DicomTag.SopClassUid));
        Assert.Equal("Müller^Hans", original.GetString(DicomTag.PatientName));
        // The name must not survive anywhere in the written file.
        using var ms = new MemoryStream();
        DicomWriter.Write(result, ms);
        Assert.DoesNotContain("ller^Hans", System.Text.Encoding.Latin1.GetString(ms.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void UIDs_are_remapped_consistently_and_only_with_the_same_key()
    {
        var a = new DicomDeidentifier(new DeidentificationOptions { Key = Key });
        var b = new DicomDeidentifier(new DeidentificationOptions { Key = Key });
        var other = new DicomDeidentifier(new DeidentificationOptions { Key = "another-site-key-0123456789abcde"u8.ToArray() });
        var uid = a.RemapUid("1.2.3.4");
        Assert.Equal(uid, b.RemapUid("1.2.3.4"));
        Assert.NotEqual(uid, other.RemapUid("1.2.3.4"));
        Assert.NotEqual(uid, a.RemapUid("1.2.3.5"));
        Assert.Matches(@"^2\.25\.[1-9][0-9]*$", uid);
        Assert.True(uid.Length <= 64);

        var original = DicomFile.Open(files.PathOf("explicit.dcm")).Dataset;
        var result = a.Deidentify(original);
        Assert.Equal(uid, result.GetString(DicomTag.SeriesInstanceUid));
    }

    [Fact]
    public void Date_shift_keeps_intervals_so_SUV_still_computes()
    {
        // Given a PET dataset de-identified with a date shift and patient characteristics kept
        var pet = SuvCalculatorTests.Pet(withDateTime: true);
        var deid = new DicomDeidentifier(new DeidentificationOptions { Key = Key, DateShift = TimeSpan.FromDays(-100), RetainPatientCharacteristics = true });

        // When
        var result = deid.Deidentify(pet);

        // Then dates moved 100 days back, times kept, and SUV is unchanged
        Assert.Equal("20231122", result.GetString(DicomTag.SeriesDate));
        Assert.Equal("110000", result.GetString(DicomTag.SeriesTime));
        Assert.Equal("20231122093000", result.GetSequence(DicomTag.RadiopharmaceuticalInformationSequence)[0].GetString(DicomTag.RadiopharmaceuticalStartDateTime));
        Assert.Equal(SuvCalculator.BodyWeightFactor(pet), SuvCalculator.BodyWeightFactor(result), 12);
    }

    [Fact]
    public void Without_a_date_shift_dates_are_removed_or_emptied()
    {
        var result = new DicomDeidentifier(new DeidentificationOptions { Key = Key }).Deidentify(SuvCalculatorTests.Pet());
        Assert.False(result.Contains(DicomTag.SeriesDate));
        Assert.False(result.Contains(DicomTag.SeriesTime));
        var e = Assert.Throws<PetSuvException>(() => SuvCalculator.BodyWeightFactor(result));
        Assert.Contains("PatientWeight is missing", e.Message);
    }

    [Fact]
    public void DeidentifyFile_writes_a_readable_copy_and_refuses_to_overwrite_the_input()
    {
        var deid = new DicomDeidentifier(new DeidentificationOptions { Key = Key });
        var output = Path.Combine(files.Folder, "deid-out.dcm");
        deid.DeidentifyFile(files.PathOf("jpeg-sv1.dcm"), output);
        var copy = DicomFile.Open(output);
        Assert.Equal(TransferSyntax.JpegLosslessProcess14Sv1.Uid, copy.TransferSyntax.Uid);
        Assert.Equal(deid.RemapUid("1.2.3.4.5.6"), copy.FileMetaInformation.GetString(DicomTag.MediaStorageSopInstanceUid));
        Assert.Equal(files.PixelValues[3], BitConverter.ToUInt16(DicomPixelData.Create(copy).GetFrame(0), 6));
        var e = Assert.Throws<ArgumentException>(() => deid.DeidentifyFile(output, output));
        Assert.Contains("is the input file", e.Message);
    }

    [Fact]
    public void Options_report_every_problem()
    {
        var e = Assert.Throws<ArgumentException>(() => new DicomDeidentifier(new DeidentificationOptions { Key = [1, 2], DateShift = TimeSpan.FromHours(5) }));
        Assert.StartsWith("Key must have at least 16 bytes (got 2). DateShift must be whole days (got 05:00:00).", e.Message);
    }
}
