using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Deidentification;

/// <summary>De-identifies datasets with the DICOM basic application level confidentiality profile.</summary>
/// <remarks>
/// PS3.15 Annex E, Table E.1-1, basic profile, applied to the attributes listed in
/// <see cref="Actions"/> (the identifying attributes of the table that MR and PET images carry),
/// recursively in sequences. Every private attribute is removed, as are curve (50xx) and overlay
/// comment/data groups. Every UID that is not a registered DICOM UID (prefix 1.2.840.10008) is
/// replaced by <c>2.25.</c> + the first 128 bits of HMAC-SHA256(key, uid) as a decimal — the same
/// UID gives the same replacement at every site holding the key, so studies, series and references
/// stay linked. Patient ID and Patient Name become a keyed pseudonym of the Patient ID. Patient
/// Identity Removed (0012,0062) is set to YES and De-identification Method (0012,0063) says what was done.
/// </remarks>
public sealed class DicomDeidentifier
{
    private enum Action { Remove, Empty, Dummy, Keep }

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

    // PS3.15 Table E.1-1 basic profile actions: X remove, Z empty, D dummy. U (UIDs) is handled by rule for every UI value.
    private static readonly Dictionary<uint, Action> s_actions = new()
    {
        [0x00080012] = Action.Remove, // Instance Creation Date
        [0x00080013] = Action.Remove, // Instance Creation Time
        [0x00080020] = Action.Empty, // Study Date
        [0x00080021] = Action.Remove, // Series Date
        [0x00080022] = Action.Remove, // Acquisition Date
        [0x00080023] = Action.Empty, // Content Date
        [0x0008002A] = Action.Remove, // Acquisition DateTime
        [0x00080030] = Action.Empty, // Study Time
        [0x00080031] = Action.Remove, // Series Time
        [0x00080032] = Action.Remove, // Acquisition Time
        [0x00080033] = Action.Empty, // Content Time
        [0x00080050] = Action.Empty, // Accession Number
        [0x00080080] = Action.Remove, // Institution Name
        [0x00080081] = Action.Remove, // Institution Address
        [0x00080082] = Action.Remove, // Institution Code Sequence
        [0x00080090] = Action.Empty, // Referring Physician's Name
        [0x00080092] = Action.Remove, // Referring Physician's Address
        [0x00080094] = Action.Remove, // Referring Physician's Telephone Numbers
        [0x00080096] = Action.Remove, // Referring Physician Identification Sequence
        [0x00081010] = Action.Remove, // Station Name
        [0x00081030] = Action.Remove, // Study Description
        [0x0008103E] = Action.Remove, // Series Description
        [0x00081040] = Action.Remove, // Institutional Department Name
        [0x00081048] = Action.Remove, // Physician(s) of Record
        [0x00081049] = Action.Remove, // Physician(s) of Record Identification Sequence
        [0x00081050] = Action.Remove, // Performing Physician's Name
        [0x00081052] = Action.Remove, // Performing Physician Identification Sequence
        [0x00081060] = Action.Remove, // Name of Physician(s) Reading Study
        [0x00081062] = Action.Remove, // Physician(s) Reading Study Identification Sequence
        [0x00081070] = Action.Remove, // Operators' Name
        [0x00081072] = Action.Remove, // Operator Identification Sequence
        [0x00081080] = Action.Remove, // Admitting Diagnoses Description
        [0x00081084] = Action.Remove, // Admitting Diagnoses Code Sequence
        [0x00082111] = Action.Remove, // Derivation Description
        [0x00100010] = Action.Dummy, // Patient's Name
        [0x00100020] = Action.Dummy, // Patient ID
        [0x00100021] = Action.Remove, // Issuer of Patient ID
        [0x00100030] = Action.Empty, // Patient's Birth Date
        [0x00100032] = Action.Remove, // Patient's Birth Time
        [0x00100040] = Action.Empty, // Patient's Sex
        [0x00101000] = Action.Remove, // Other Patient IDs
        [0x00101001] = Action.Remove, // Other Patient Names
        [0x00101002] = Action.Remove, // Other Patient IDs Sequence
        [0x00101005] = Action.Remove, // Patient's Birth Name
        [0x00101010] = Action.Remove, // Patient's Age
        [0x00101020] = Action.Remove, // Patient's Size
        [0x00101030] = Action.Remove, // Patient's Weight
        [0x00101040] = Action.Remove, // Patient's Address
        [0x00101060] = Action.Remove, // Patient's Mother's Birth Name
        [0x00101090] = Action.Remove, // Medical Record Locator
        [0x00102154] = Action.Remove, // Patient's Telephone Numbers
        [0x00102160] = Action.Remove, // Ethnic Group
        [0x00102180] = Action.Remove, // Occupation
        [0x001021B0] = Action.Remove, // Additional Patient History
        [0x001021F0] = Action.Remove, // Patient's Religious Preference
        [0x00104000] = Action.Remove, // Patient Comments
        [0x00181000] = Action.Remove, // Device Serial Number
        [0x00181030] = Action.Remove, // Protocol Name
        [0x00181078] = Action.Remove, // Radiopharmaceutical Start DateTime
        [0x00181072] = Action.Remove, // Radiopharmaceutical Start Time
        [0x00200010] = Action.Empty, // Study ID
        [0x00204000] = Action.Remove, // Image Comments
        [0x00321032] = Action.Remove, // Requesting Physician
        [0x00321060] = Action.Remove, // Requested Procedure Description
        [0x00380010] = Action.Remove, // Admission ID
        [0x00380300] = Action.Remove, // Current Patient Location
        [0x00380400] = Action.Remove, // Patient's Institution Residence
        [0x00400244] = Action.Remove, // Performed Procedure Step Start Date
        [0x00400245] = Action.Remove, // Performed Procedure Step Start Time
        [0x00400253] = Action.Remove, // Performed Procedure Step ID
        [0x00400254] = Action.Remove, // Performed Procedure Step Description
        [0x00400275] = Action.Remove, // Request Attributes Sequence
        [0x00401001] = Action.Remove, // Requested Procedure ID
        [0x0040A730] = Action.Remove, // Content Sequence
        [0x00081111] = Action.Remove, // Referenced Performed Procedure Step Sequence
        [0x00081120] = Action.Remove, // Referenced Patient Sequence
        [0x00084000] = Action.Remove, // Identifying Comments
        [0x00101100] = Action.Remove, // Referenced Patient Photo Sequence
        [0x00102000] = Action.Remove, // Medical Alerts
        [0x00102110] = Action.Remove, // Allergies
        [0x00102150] = Action.Remove, // Country of Residence
        [0x00102152] = Action.Remove, // Region of Residence
        [0x001021A0] = Action.Remove, // Smoking Status
        [0x001021C0] = Action.Remove, // Pregnancy Status
        [0x001021D0] = Action.Remove, // Last Menstrual Date
        [0x00102203] = Action.Remove, // Patient's Sex Neutered
        [0x00181004] = Action.Remove, // Plate ID
        [0x00181005] = Action.Remove, // Generator ID
        [0x00181007] = Action.Remove, // Cassette ID
        [0x00181008] = Action.Remove, // Gantry ID
        [0x0018700A] = Action.Remove, // Detector ID
        [0x00209158] = Action.Remove, // Frame Comments
        [0x00321033] = Action.Remove, // Requesting Service
        [0x00324000] = Action.Remove, // Study Comments
        [0x00380050] = Action.Remove, // Special Needs
        [0x00380500] = Action.Remove, // Patient State
        [0x00400006] = Action.Remove, // Scheduled Performing Physician's Name
        [0x00400241] = Action.Remove, // Performed Station AE Title
        [0x00400242] = Action.Remove, // Performed Station Name
        [0x00400243] = Action.Remove, // Performed Location
        [0x00400250] = Action.Remove, // Performed Procedure Step End Date
        [0x00400251] = Action.Remove, // Performed Procedure Step End Time
        [0x00400280] = Action.Remove, // Comments on the Performed Procedure Step
        [0x00401400] = Action.Remove, // Requested Procedure Comments
        [0x00402400] = Action.Remove, // Imaging Service Request Comments
        [0x0040A073] = Action.Remove, // Verifying Observer Sequence
        [0x0040A075] = Action.Remove, // Verifying Observer Name
        [0x0040A123] = Action.Remove, // Person Name
        [0x40080114] = Action.Remove, // Physician Approving Interpretation
    };

    private static readonly HashSet<uint> s_patientCharacteristics = [0x00100040, 0x00101010, 0x00101020, 0x00101030];

    /// <summary>The attributes this de-identifier removes, empties or replaces, besides UIDs and private attributes.</summary>
    public static IReadOnlyCollection<DicomTag> Actions { get; } = s_actions.Keys.Select(DicomTag.FromUInt32).ToList();

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

    private DicomDataset Copy(DicomDataset source, bool topLevel)
    {
        var target = new DicomDataset();
        string patientId = source.GetStringOrDefault(DicomTag.PatientId, "");
        foreach (var e in source)
        {
            var tag = e.Tag;
            if (tag.Group % 2 == 1) continue; // private attributes (and illegal odd groups)
            if ((tag.Group & 0xFF00) == 0x5000) continue; // curves
            if ((tag.Group & 0xFF00) == 0x6000 && (tag.Element == 0x4000 || tag.Element == 0x3000)) continue; // overlay comments and data
            if (e.IsSequence)
            {
                if (s_actions.TryGetValue(tag.Value, out var seqAction) && seqAction != Action.Keep) continue;
                target.Set(new DicomElement(tag, e.Items.Select(i => Copy(i, topLevel: false)).ToList()));
                continue;
            }
            if (s_actions.TryGetValue(tag.Value, out var action))
            {
                if (_options.RetainPatientCharacteristics && s_patientCharacteristics.Contains(tag.Value)) action = Action.Keep;
                if (_options.DateShift is { } shift && e.VR is DicomVR.DA or DicomVR.DT or DicomVR.TM)
                {
                    if (e.VR != DicomVR.TM) ShiftDate(source, e, shift, target);
                    else target.Set(e);
                    continue;
                }
                switch (action)
                {
                    case Action.Remove: continue;
                    case Action.Empty: target.Set(new DicomElement(tag, e.VR, ReadOnlyMemory<byte>.Empty)); continue;
                    case Action.Dummy:
                        target.SetString(tag, e.VR, Pseudonym(patientId));
                        continue;
                    default: break;
                }
            }
            if (e.VR == DicomVR.UI && e.Fragments is null)
            {
                var values = source.GetStrings(tag);
                var mapped = values.Select(u => u.Length == 0 || u.StartsWith("1.2.840.10008.", StringComparison.Ordinal) ? u : RemapUid(u)).ToArray();
                target.SetString(tag, DicomVR.UI, mapped);
                continue;
            }
            target.Set(e);
        }
        return target;
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
