namespace Flip.Imaging.Dicom;

/// <summary>Encoding facts about each VR: header size, padding, element width.</summary>
internal static class DicomVRInfo
{
    private static readonly DicomVR[] s_byCode = BuildTable();

    private static DicomVR[] BuildTable()
    {
        var table = new DicomVR[26 * 26];
        foreach (DicomVR vr in Enum.GetValues<DicomVR>())
        {
            if (vr == DicomVR.None) continue;
            var name = vr.ToString();
            table[(name[0] - 'A') * 26 + (name[1] - 'A')] = vr;
        }
        return table;
    }

    /// <summary>The VR spelled by two ASCII bytes, or <see cref="DicomVR.None"/>.</summary>
    public static DicomVR FromBytes(byte a, byte b)
    {
        uint i = (uint)(a - 'A'), j = (uint)(b - 'A');
        return i < 26 && j < 26 ? s_byCode[i * 26 + j] : DicomVR.None;
    }

    /// <summary>True when explicit VR encoding uses 2 reserved bytes and a 32-bit length (PS3.5 §7.1.2).</summary>
    public static bool HasLongLength(DicomVR vr) => vr is DicomVR.OB or DicomVR.OD or DicomVR.OF or DicomVR.OL
        or DicomVR.OV or DicomVR.OW or DicomVR.SQ or DicomVR.UC or DicomVR.UN or DicomVR.UR or DicomVR.UT or DicomVR.UV;

    /// <summary>True for VRs whose value is text in the dataset's character set or ASCII.</summary>
    public static bool IsString(DicomVR vr) => vr is DicomVR.AE or DicomVR.AS or DicomVR.CS or DicomVR.DA or DicomVR.DS
        or DicomVR.DT or DicomVR.IS or DicomVR.LO or DicomVR.LT or DicomVR.PN or DicomVR.SH or DicomVR.ST or DicomVR.TM
        or DicomVR.UC or DicomVR.UI or DicomVR.UR or DicomVR.UT;

    /// <summary>True for text VRs that may use the Specific Character Set (PS3.5 §6.1.2.3).</summary>
    public static bool UsesCharacterSet(DicomVR vr) => vr is DicomVR.LO or DicomVR.LT or DicomVR.PN or DicomVR.SH
        or DicomVR.ST or DicomVR.UC or DicomVR.UT;

    /// <summary>True for text VRs whose value is one string that never splits at a backslash.</summary>
    public static bool IsSingleValuedText(DicomVR vr) => vr is DicomVR.LT or DicomVR.ST or DicomVR.UT or DicomVR.UR;

    /// <summary>Bytes per number for binary VRs that need byte swapping, or 0 for VRs that do not.</summary>
    public static int SwapWidth(DicomVR vr) => vr switch
    {
        DicomVR.US or DicomVR.SS or DicomVR.OW or DicomVR.AT => 2,
        DicomVR.UL or DicomVR.SL or DicomVR.FL or DicomVR.OF or DicomVR.OL => 4,
        DicomVR.FD or DicomVR.OD or DicomVR.SV or DicomVR.UV or DicomVR.OV => 8,
        _ => 0,
    };

    /// <summary>The byte that pads an odd-length value to even length: NUL for UI and binary VRs, space for text.</summary>
    public static byte PaddingByte(DicomVR vr) => IsString(vr) && vr != DicomVR.UI ? (byte)' ' : (byte)0;
}
