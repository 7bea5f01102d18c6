using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Deidentification;

/// <summary>De-identifies datasets with the DICOM basic application level confidentiality profile.</summary>
/// <remarks>
/// PS3.15 Annex E, Table E.1-1: every attribute of the table gets its Basic Profile action (X remove, Z empty, D dummy value,
/// U new UID; compound codes resolved as <see cref="BasicProfile"/> says), recursively in sequences, unless an option keeps it
/// (Retain Patient Characteristics, Longitudinal Temporal Information with Full or Modified (shifted) Dates, Device Identity,
/// Institution Identity, UIDs). Private attributes are removed unless asked to keep them, as are curves (50xx) and overlay
/// comments and data. Every UID that is not a registered DICOM UID (prefix 1.2.840.10008) is replaced by <c>2.25.</c> + the
/// first 128 bits of HMAC-SHA256(key, uid) as a decimal, so the same UID gets the same replacement in every file of a study and
/// at every site holding the key. Patient ID and Patient Name (Z in the table) become a keyed pseudonym of the Patient ID so a
/// patient's studies stay linked. Patient Identity Removed (0012,0062) is YES, and De-identification Method (0012,0063) and its
/// Code Sequence (0012,0064, PS3.16 CID 7050) say which profile and options were applied.
/// </remarks>
public sealed class DicomDeidentifier
{
    private readonly DeidentificationOptions _options;
    private readonly HMACSHA256 _hmac;

    /// <summary>Creates a de-identifier.</summary>
    /// <param name="options">The key and options.</param>
    /// <exception cref="ArgumentException">The options are invalid (every problem is listed).</exception>
    public DicomDeidentifier(DeidentificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join(" ", problems), nameof(options));
        _options = options;
        _hmac = new HMACSHA256(options.Key);
    }

    private static readonly Dictionary<uint, ProfileEntry> s_profile = BasicProfile.Load();

    /// <summary>The attributes this de-identifier removes, empties, replaces or remaps by name (every Table E.1-1 entry plus a few dated PET
    /// attributes), besides the rules for UIDs, private attributes, curves and overlays.</summary>
    public static IReadOnlyCollection<DicomTag> Actions { get; } = s_profile.Keys.Select(DicomTag.FromUInt32).ToList();

    /// <summary>The Basic Profile action code of an attribute as Table E.1-1 gives it (<c>X</c>, <c>Z</c>, <c>D</c>, <c>U</c>, <c>X/Z/D</c>…), or <see langword="null"/> when it is not listed.</summary>
    /// <param name="tag">The attribute.</param>
    /// <returns>The code.</returns>
    public static string? ProfileCode(DicomTag tag) => s_profile.TryGetValue(tag.Value, out var entry) ? entry.Code : null;

    /// <summary>De-identifies a dataset, returning a new one; the input is not changed.</summary>
    /// <param name="dataset">The dataset.</param>
    /// <returns>The de-identified dataset.</returns>
    public DicomDataset Deidentify(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var result = Copy(dataset, topLevel: true);
        result.SetString(DicomTag.PatientIdentityRemoved, DicomVR.CS, "YES");
        var method = "PS3.15 E.1 Basic Profile; keyed-hash UIDs" + (_options.DateShift is null ? "" : "; dates shifted") + (_options.RetainPatientCharacteristics ? "; patient characteristics retained" : "");
        result.SetString(DicomTag.DeidentificationMethod, DicomVR.LO, method.Length > 64 ? method[..64] : method);
        result.SetSequence(DeidentificationMethodCodeSequence, [.. MethodCodes().Select(Code)]);
        if (_options.RetainLongitudinalTemporalInformation || _options.DateShift is not null)
            result.SetString(LongitudinalTemporalInformationModified, DicomVR.CS, _options.DateShift is null ? "UNMODIFIED" : "MODIFIED");
        return result;
    }

    /// <summary>De-identifies one file into another (atomically), keeping its transfer syntax when it is compressed, else writing Explicit VR Little Endian.</summary>
    /// <param name="inputPath">The original file.</param>
    /// <param name="outputPath">Where to write; may not be the input.</param>
    /// <exception cref="DicomFormatException">The input is not valid DICOM.</exception>
    /// <exception cref="ArgumentException">Input and output are the same file.</exception>
    public void DeidentifyFile(string inputPath, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(inputPath);
        ArgumentNullException.ThrowIfNull(outputPath);
        if (string.Equals(Path.GetFullPath(inputPath), Path.GetFullPath(outputPath), StringComparison.Ordinal))
            throw new ArgumentException($"'{outputPath}' is the input file; write de-identified files elsewhere so the original stays until the copy is checked.", nameof(outputPath));
        var file = DicomFile.Open(inputPath);
        var result = new DicomFile(Deidentify(file.Dataset), file.TransferSyntax);
        result.Save(outputPath);
    }

    /// <summary>The replacement of a UID: <c>2.25.</c> and the first 128 bits of HMAC-SHA256(key, uid) in decimal (PS3.5 §B.2).</summary>
    /// <param name="uid">The original UID.</param>
    /// <returns>The new UID, at most 44 characters.</returns>
    public string RemapUid(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        var hash = Hash("uid:" + uid);
        var value = new BigInteger(hash.AsSpan(0, 16), isUnsigned: true, isBigEndian: true);
        return "2.25." + value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The pseudonym of a patient ID: <c>ANON-</c> and 16 hex digits of HMAC-SHA256(key, id).</summary>
    /// <param name="patientId">The original ID.</param>
    /// <returns>The pseudonym.</returns>
    public string Pseudonym(string patientId)
    {
        ArgumentNullException.ThrowIfNull(patientId);
        return "ANON-" + Convert.ToHexString(Hash("pid:" + patientId).AsSpan(0, 8));
    }

    private byte[] Hash(string text)
    {
        lock (_hmac) return _hmac.ComputeHash(Encoding.UTF8.GetBytes(text));
    }

    private static readonly DicomTag DeidentificationMethodCodeSequence = new(0x0012, 0x0064);
    private static readonly DicomTag LongitudinalTemporalInformationModified = new(0x0028, 0x0303);

    // PS3.16 CID 7050 "De-identification Method": the profile and each option applied.
    private IEnumerable<(string Value, string Meaning)> MethodCodes()
    {
        yield return ("113100", "Basic Application Confidentiality Profile");
        if (_options.RetainLongitudinalTemporalInformation) yield return ("113106", "Retain Longitudinal Temporal Information Full Dates Option");
        if (_options.DateShift is not null) yield return ("113107", "Retain Longitudinal Temporal Information Modified Dates Option");
        if (_options.RetainPatientCharacteristics) yield return ("113108", "Retain Patient Characteristics Option");
        if (_options.RetainDeviceIdentity) yield return ("113109", "Retain Device Identity Option");
        if (_options.RetainUids) yield return ("113110", "Retain UIDs Option");
        if (_options.KeepPrivateAttributes) yield return ("113111", "Retain Safe Private Option");
        if (_options.RetainInstitutionIdentity) yield return ("113112", "Retain Institution Identity Option");
    }

    private static DicomDataset Code((string Value, string Meaning) code)
    {
        var item = new DicomDataset();
        item.SetString(new DicomTag(0x0008, 0x0100), DicomVR.SH, code.Value);
        item.SetString(new DicomTag(0x0008, 0x0102), DicomVR.SH, "DCM");
        item.SetString(new DicomTag(0x0008, 0x0104), DicomVR.LO, code.Meaning);
        return item;
    }

    // The action after the options: an option that retains the attribute turns its action into Keep.
    private ProfileAction ActionFor(ProfileEntry entry) =>
        (entry.Retain & RetainedBy.PatientCharacteristics) != 0 && _options.RetainPatientCharacteristics
        || (entry.Retain & RetainedBy.LongitudinalTemporalInformation) != 0 && _options.RetainLongitudinalTemporalInformation
        || (entry.Retain & RetainedBy.DeviceIdentity) != 0 && _options.RetainDeviceIdentity
        || (entry.Retain & RetainedBy.InstitutionIdentity) != 0 && _options.RetainInstitutionIdentity
        || (entry.Retain & RetainedBy.Uids) != 0 && _options.RetainUids
            ? ProfileAction.Keep
            : entry.Action;

    private DicomDataset Copy(DicomDataset source, bool topLevel)
    {
        var target = new DicomDataset();
        string patientId = source.GetStringOrDefault(DicomTag.PatientId, "");
        foreach (var e in source)
        {
            var tag = e.Tag;
            if (tag.Group % 2 == 1 && !_options.KeepPrivateAttributes) continue; // private attributes (and illegal odd groups)
            if ((tag.Group & 0xFF00) == 0x5000) continue; // curves
            if ((tag.Group & 0xFF00) == 0x6000 && (tag.Element == 0x4000 || tag.Element == 0x3000)) continue; // overlay comments and data
            if (!s_profile.TryGetValue(tag.Value, out var entry))
            {
                if (e.IsSequence) target.Set(new DicomElement(tag, e.Items.Select(i => Copy(i, topLevel: false)).ToList()));
                else if (e.VR == DicomVR.UI && e.Fragments is null && !_options.RetainUids) target.SetString(tag, DicomVR.UI, RemapUids(source, tag));
                else target.Set(e);
                continue;
            }
            var action = ActionFor(entry);
            if (e.IsSequence)
            {
                switch (action)
                {
                    case ProfileAction.Remove: continue;
                    case ProfileAction.Empty or ProfileAction.Dummy: target.Set(new DicomElement(tag, [])); continue;
                    default: target.Set(new DicomElement(tag, e.Items.Select(i => Copy(i, topLevel: false)).ToList())); continue;
                }
            }
            if (action != ProfileAction.Keep && (entry.Retain & RetainedBy.LongitudinalTemporalInformation) != 0
                && _options.DateShift is { } shift && e.VR is DicomVR.DA or DicomVR.DT or DicomVR.TM)
            {
                // Retain Longitudinal Temporal Information with Modified Dates: dates move by the shift, times stay.
                if (e.VR != DicomVR.TM) ShiftDate(source, e, shift, target);
                else target.Set(e);
                continue;
            }
            switch (action)
            {
                case ProfileAction.Remove: continue;
                case ProfileAction.Empty when tag != DicomTag.PatientId && tag != DicomTag.PatientName:
                    target.Set(new DicomElement(tag, e.VR, ReadOnlyMemory<byte>.Empty));
                    continue;
                case ProfileAction.Empty or ProfileAction.Dummy when tag == DicomTag.PatientId || tag == DicomTag.PatientName:
                    // A keyed pseudonym rather than an empty value, so one patient's studies stay linked across sites holding the key.
                    target.SetString(tag, e.VR, Pseudonym(patientId));
                    continue;
                case ProfileAction.Dummy:
                    SetDummy(target, e, source);
                    continue;
                case ProfileAction.Uid or ProfileAction.Keep when e.VR == DicomVR.UI && e.Fragments is null && !_options.RetainUids:
                    target.SetString(tag, DicomVR.UI, RemapUids(source, tag));
                    continue;
                default:
                    target.Set(e);
                    continue;
            }
        }
        return target;
    }

    private string[] RemapUids(DicomDataset source, DicomTag tag) =>
        [.. source.GetStrings(tag).Select(u => u.Length == 0 || u.StartsWith("1.2.840.10008.", StringComparison.Ordinal) ? u : RemapUid(u))];

    // D: a value of the right VR that says nothing (PS3.15 E.1.1 "dummy value... consistent with the VR").
    private void SetDummy(DicomDataset target, DicomElement e, DicomDataset source)
    {
        switch (e.VR)
        {
            case DicomVR.PN: target.SetString(e.Tag, e.VR, "ANONYMOUS"); break;
            case DicomVR.DA: target.SetString(e.Tag, e.VR, "19000101"); break;
            case DicomVR.TM: target.SetString(e.Tag, e.VR, "000000"); break;
            case DicomVR.DT: target.SetString(e.Tag, e.VR, "19000101000000"); break;
            case DicomVR.IS or DicomVR.DS: target.SetString(e.Tag, e.VR, "0"); break;
            case DicomVR.UI: target.SetString(e.Tag, DicomVR.UI, _options.RetainUids ? source.GetStrings(e.Tag) : RemapUids(source, e.Tag)); break;
            case DicomVR.AE or DicomVR.CS or DicomVR.LO or DicomVR.SH or DicomVR.LT or DicomVR.ST or DicomVR.UT or DicomVR.UC:
                target.SetString(e.Tag, e.VR, "ANONYMIZED");
                break;
            default: target.Set(new DicomElement(e.Tag, e.VR, ReadOnlyMemory<byte>.Empty)); break;
        }
    }

    private static void ShiftDate(DicomDataset source, DicomElement e, TimeSpan shift, DicomDataset target)
    {
        var text = source.GetString(e.Tag);
        if (e.VR == DicomVR.DA && DicomDateTime.TryParseDate(text, out var date))
            target.SetString(e.Tag, DicomVR.DA, date.AddDays(shift.Days).ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        else if (e.VR == DicomVR.DT && text.Length >= 8 && DicomDateTime.TryParseDate(text[..8], out var dtDate))
            target.SetString(e.Tag, DicomVR.DT, dtDate.AddDays(shift.Days).ToString("yyyyMMdd", CultureInfo.InvariantCulture) + text[8..]);
        else if (text.Length > 0)
            target.Set(new DicomElement(e.Tag, e.VR, ReadOnlyMemory<byte>.Empty)); // unparseable date: emptied rather than leaked
    }
}
