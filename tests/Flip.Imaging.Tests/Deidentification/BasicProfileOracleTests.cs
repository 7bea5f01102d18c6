using System.Globalization;
using System.Text.RegularExpressions;
using Flip.Imaging.Deidentification;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Tests.Deidentification;

/// <summary>Every attribute of PS3.15 Table E.1-1, de-identified and read back by dcmtk's <c>dcmdump</c> as the oracle.</summary>
[Collection("dcmtk")]
public sealed partial class BasicProfileOracleTests(DcmtkFixture files)
{
    private static readonly byte[] Key = "site-secret-key-0123456789abcdef"u8.ToArray();

    [GeneratedRegex(@"^\(([0-9a-f]{4}),([0-9a-f]{4})\) (\w\w) (.*?)\s+# +(?:\d+|u/l),", RegexOptions.CultureInvariant)]
    private static partial Regex TopLevelLine();

    // One identifying value per profile attribute the dictionary knows (command, file meta, DICOMDIR and signature groups left out).
    private static (DicomDataset Dataset, List<DicomTag> Tags) Identified()
    {
        var ds = new DicomDataset();
        ds.SetString(DicomTag.SopClassUid, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.4");
        var tags = new List<DicomTag>();
        int n = 0;
        foreach (var tag in DicomDeidentifier.Actions.OrderBy(t => t.Value))
        {
            if (tag.Group is 0x0000 or 0x0002 or 0x0004 || tag.Group >= 0xFFFA || !DicomDictionary.TryLookup(tag, out var entry)) continue;
            n++;
            string secret = string.Create(CultureInfo.InvariantCulture, $"SECRET{n:D4}");
            switch (entry.VR)
            {
                case DicomVR.SQ:
                    var item = new DicomDataset();
                    item.SetString(DicomTag.PatientName, DicomVR.PN, "Secret^Nested" + n.ToString(CultureInfo.InvariantCulture));
                    item.SetString(DicomTag.SopInstanceUid, DicomVR.UI, "1.2.3.999." + n.ToString(CultureInfo.InvariantCulture));
                    ds.SetSequence(tag, item);
                    break;
                case DicomVR.DA: ds.SetString(tag, DicomVR.DA, "20200101"); break;
                case DicomVR.TM: ds.SetString(tag, DicomVR.TM, "101010"); break;
                case DicomVR.DT: ds.SetString(tag, DicomVR.DT, "20200101101010"); break;
                case DicomVR.IS: ds.SetString(tag, DicomVR.IS, "424242"); break;
                case DicomVR.DS: ds.SetString(tag, DicomVR.DS, "4242.5"); break;
                case DicomVR.UI: ds.SetString(tag, DicomVR.UI, "1.2.3.999." + n.ToString(CultureInfo.InvariantCulture)); break;
                case DicomVR.AS: ds.SetString(tag, DicomVR.AS, "042Y"); break;
                case DicomVR.PN: ds.SetString(tag, DicomVR.PN, "Secret^Person" + n.ToString(CultureInfo.InvariantCulture)); break;
                case DicomVR.AE or DicomVR.CS or DicomVR.SH or DicomVR.LO or DicomVR.LT or DicomVR.ST or DicomVR.UT or DicomVR.UC:
                    ds.SetString(tag, entry.VR, secret);
                    break;
                default:
                    continue; // binary VRs (GPS numbers, MAC…): covered by the removal check below through their tags
            }
            tags.Add(tag);
        }
        ds.SetString(new DicomTag(0x0029, 0x0010), DicomVR.LO, "SECRET PRIVATE");
        ds.SetString(new DicomTag(0x0029, 0x1010), DicomVR.LO, "SECRET PRIVATE VALUE");
        return (ds, tags);
    }

    private Dictionary<uint, (string Vr, string Value)> Dump(DicomDataset dataset, string name, out string text)
    {
        string path = Path.Combine(files.Folder, name);
        DicomWriter.Save(dataset, path);
        text = Dcmtk.Run("dcmdump", files.Folder, "+L", "-M", path);
        var top = new Dictionary<uint, (string, string)>();
        foreach (string line in text.Split('\n'))
        {
            var m = TopLevelLine().Match(line);
            if (m.Success) top[uint.Parse(m.Groups[1].Value + m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = (m.Groups[3].Value, m.Groups[4].Value);
        }
        return top;
    }

    [Fact]
    public void Every_table_attribute_gets_its_basic_profile_action_and_no_identifier_survives()
    {
        // Given a dataset holding a recognisable value in every Table E.1-1 attribute with a text, date, number or UID VR, plus private data
        var (original, tags) = Identified();
        Assert.True(tags.Count > 250, $"only {tags.Count} attributes of the table were filled");
        var before = Dump(original, "profile-original.dcm", out string originalText);
        Assert.Contains("SECRET", originalText);
        Assert.Contains("Secret^Nested", originalText);

        // When
        var deid = new DicomDeidentifier(new DeidentificationOptions { Key = Key });
        var after = Dump(deid.Deidentify(original), "profile-deidentified.dcm", out string text);

        // Then dcmdump shows each attribute removed, emptied, replaced by a dummy or given a new UID, as the table says
        foreach (var tag in tags)
        {
            string code = DicomDeidentifier.ProfileCode(tag)!;
            bool present = after.TryGetValue(tag.Value, out var value);
            string where = $"{tag} {tag.Keyword} ({code})";
            switch (code)
            {
                case "X" or "X/D":
                    Assert.False(present, $"{where} is still there: {value.Value}");
                    break;
                case "Z" or "X/Z" or "Z/D" or "X/Z/D" when tag == DicomTag.PatientName || tag == DicomTag.PatientId:
                    Assert.True(present && value.Value == $"[{deid.Pseudonym(original.GetString(DicomTag.PatientId))}]", $"{where}: {value.Value}");
                    break;
                case "Z" or "X/Z" or "Z/D" or "X/Z/D":
                    Assert.True(present, $"{where} was removed; expected an empty value");
                    Assert.True(value.Value is "(no value available)" or "(Sequence with explicit length #=0)" or "(Sequence with undefined length #=0)", $"{where}: {value.Value}");
                    break;
                case "D":
                    Assert.True(present, $"{where} was removed; expected a dummy value");
                    Assert.NotEqual(before[tag.Value].Value, value.Value);
                    break;
                case "U" or "X/Z/U*":
                    Assert.True(present, $"{where} was removed; expected a new UID");
                    if (value.Vr == "UI") Assert.Matches(@"^\[2\.25\.\d+\]$", value.Value);
                    break;
                default:
                    Assert.Fail($"{where}: unexpected code");
                    break;
            }
        }

        // and nothing identifying remains anywhere in the file, nested sequences and private data included
        Assert.DoesNotContain("SECRET", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret^", text, StringComparison.Ordinal);
        Assert.DoesNotContain("1.2.3.999.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("(0029,", text, StringComparison.Ordinal);
        Assert.Contains("(0012,0062) CS [YES]", text);
        Assert.Contains("(0008,0100) SH [113100]", text);
    }

    [Fact]
    public void UIDs_map_the_same_way_in_every_file_of_a_study()
    {
        var deid = new DicomDeidentifier(new DeidentificationOptions { Key = Key });
        var first = DicomFile.Open(files.PathOf("explicit.dcm")).Dataset;
        var second = DicomFile.Open(files.PathOf("implicit.dcm")).Dataset;
        second.SetString(DicomTag.SopInstanceUid, DicomVR.UI, "1.2.3.4.5.7");
        var reference = new DicomDataset();
        reference.SetString(new DicomTag(0x0008, 0x1150), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.4");
        reference.SetString(new DicomTag(0x0008, 0x1155), DicomVR.UI, "1.2.3.4.5.6");
        second.SetSequence(new DicomTag(0x0008, 0x1140), reference);

        var a = deid.Deidentify(first);
        var b = deid.Deidentify(second);

        Assert.Equal(a.GetString(DicomTag.StudyInstanceUid), b.GetString(DicomTag.StudyInstanceUid));
        Assert.Equal(a.GetString(DicomTag.SeriesInstanceUid), b.GetString(DicomTag.SeriesInstanceUid));
        Assert.NotEqual(a.GetString(DicomTag.SopInstanceUid), b.GetString(DicomTag.SopInstanceUid));
        // The second image's reference to the first still points at it after both are remapped (X/Z/U* keeps the sequence).
        Assert.Equal(a.GetString(DicomTag.SopInstanceUid), b.GetSequence(new DicomTag(0x0008, 0x1140))[0].GetString(new DicomTag(0x0008, 0x1155)));
        Assert.Equal("1.2.840.10008.5.1.4.1.1.4", b.GetSequence(new DicomTag(0x0008, 0x1140))[0].GetString(new DicomTag(0x0008, 0x1150)));
    }

    [Fact]
    public void Options_keep_what_they_name_and_are_listed_in_the_method_code_sequence()
    {
        var original = DicomFile.Open(files.PathOf("explicit.dcm")).Dataset;
        original.SetString(DicomTag.StationName, DicomVR.SH, "MR-ROOM-3");
        original.SetString(DicomTag.InstitutionName, DicomVR.LO, "General Hospital");
        original.SetString(DicomTag.StudyDate, DicomVR.DA, "20240131");
        var deid = new DicomDeidentifier(new DeidentificationOptions
        {
            Key = Key, RetainDeviceIdentity = true, RetainInstitutionIdentity = true, RetainUids = true, KeepPrivateAttributes = true,
            RetainLongitudinalTemporalInformation = true, RetainPatientCharacteristics = true,
        });

        var result = deid.Deidentify(original);

        Assert.Equal("MR-ROOM-3", result.GetString(DicomTag.StationName));
        Assert.Equal("General Hospital", result.GetString(DicomTag.InstitutionName));
        Assert.Equal("1.2.3.4", result.GetString(DicomTag.SeriesInstanceUid));
        Assert.Equal("20240131", result.GetString(DicomTag.StudyDate));
        Assert.True(result.Contains(new DicomTag(0x0029, 0x1010)));
        Assert.Equal("72.5", result.GetString(DicomTag.PatientWeight));
        Assert.Equal(deid.Pseudonym("P001"), result.GetString(DicomTag.PatientId));
        var codes = result.GetSequence(new DicomTag(0x0012, 0x0064)).Select(i => i.GetString(new DicomTag(0x0008, 0x0100))).ToList();
        Assert.Equal(["113100", "113106", "113108", "113109", "113110", "113111", "113112"], codes);
        Assert.Equal("UNMODIFIED", result.GetString(new DicomTag(0x0028, 0x0303)));
    }
}
