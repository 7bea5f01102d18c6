using System.Globalization;
using System.Reflection;

namespace Flip.Imaging.Deidentification;

/// <summary>What the Basic Profile does to one attribute, after compound codes are resolved.</summary>
internal enum ProfileAction
{
    /// <summary>X: remove.</summary>
    Remove,

    /// <summary>Z: zero length (an empty sequence for SQ).</summary>
    Empty,

    /// <summary>D: a dummy value of the same VR (an empty sequence for SQ).</summary>
    Dummy,

    /// <summary>U: a new UID (keyed hash); for sequences, kept with their contents de-identified.</summary>
    Uid,

    /// <summary>K: keep.</summary>
    Keep,
}

/// <summary>The Table E.1-1 options under which an attribute is kept.</summary>
[Flags]
internal enum RetainedBy
{
    None = 0,
    PatientCharacteristics = 1,
    LongitudinalTemporalInformation = 2,
    DeviceIdentity = 4,
    InstitutionIdentity = 8,
    Uids = 16,
}

/// <summary>One row of Table E.1-1.</summary>
/// <param name="Tag">The attribute.</param>
/// <param name="Code">The Basic Profile code as the table gives it.</param>
/// <param name="Action">The action applied.</param>
/// <param name="Retain">The options that keep it.</param>
internal sealed record ProfileEntry(uint Tag, string Code, ProfileAction Action, RetainedBy Retain);

/// <summary>PS3.15 Table E.1-1, read from <c>BasicProfile.txt</c> (embedded; its header cites the machine-readable source).</summary>
/// <remarks>
/// Compound codes leave a choice to the de-identifier, made here once for every IOD (there is no per-IOD Type table):
/// <c>X/Z</c>, <c>Z/D</c> and <c>X/Z/D</c> become Z (the attribute stays, empty, so Type 2 attributes remain conformant);
/// <c>X/D</c> becomes X; <c>X/Z/U*</c> becomes U (the sequence stays and the UIDs inside are remapped).
/// </remarks>
internal static class BasicProfile
{
    // Dated attributes of PET radiopharmaceutical information and instance creation, not in Table E.1-1 but able to narrow
    // down a patient; removed (or shifted with the dates) like the table's dates.
    private static readonly (uint Tag, string Code, RetainedBy Retain)[] Additions =
    [
        (0x00080012, "X", RetainedBy.LongitudinalTemporalInformation), // Instance Creation Date
        (0x00080013, "X", RetainedBy.LongitudinalTemporalInformation), // Instance Creation Time
        (0x00181072, "X", RetainedBy.LongitudinalTemporalInformation), // Radiopharmaceutical Start Time
        (0x00181078, "X", RetainedBy.LongitudinalTemporalInformation), // Radiopharmaceutical Start DateTime
    ];

    public static Dictionary<uint, ProfileEntry> Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Flip.Imaging.Deidentification.BasicProfile.txt")
            ?? throw new InvalidOperationException("the embedded resource BasicProfile.txt is missing from Flip.Imaging.");
        using var reader = new StreamReader(stream);
        var entries = new Dictionary<uint, ProfileEntry>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            uint tag = uint.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            entries.Add(tag, Entry(tag, parts[1], Flags(parts.Length > 2 ? parts[2] : "")));
        }
        foreach (var (tag, code, retain) in Additions) entries.TryAdd(tag, Entry(tag, code, retain));
        return entries;
    }

    private static ProfileEntry Entry(uint tag, string code, RetainedBy retain) => new(tag, code, code switch
    {
        "X" or "X/D" => ProfileAction.Remove,
        "Z" or "X/Z" or "Z/D" or "X/Z/D" => ProfileAction.Empty,
        "D" => ProfileAction.Dummy,
        "U" or "X/Z/U*" => ProfileAction.Uid,
        "K" => ProfileAction.Keep,
        _ => throw new InvalidOperationException($"BasicProfile.txt: unknown action code '{code}' for {tag:X8}."),
    }, retain);

    private static RetainedBy Flags(string letters) => letters.Aggregate(RetainedBy.None, (all, c) => all | c switch
    {
        'p' => RetainedBy.PatientCharacteristics,
        'l' => RetainedBy.LongitudinalTemporalInformation,
        'd' => RetainedBy.DeviceIdentity,
        'i' => RetainedBy.InstitutionIdentity,
        'u' => RetainedBy.Uids,
        _ => throw new InvalidOperationException($"BasicProfile.txt: unknown option letter '{c}'."),
    });
}
