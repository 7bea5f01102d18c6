namespace Flip.Imaging.Dicom;

/// <summary>The standard DICOM data dictionary: keyword, VR and VM of every public attribute.</summary>
/// <remarks>
/// Generated from DCMTK's <c>dicom.dic</c>, which OFFIS generates from PS3.6 and PS3.7 (see
/// <c>generate_dictionary.py</c> beside this file). Used to know the VR of elements in implicit VR
/// transfer syntaxes (PS3.5 §7.1.3) and to name tags in messages. Group lengths (gggg,0000) are
/// UL and private creators (odd group, 0010–00FF) are LO by rule (PS3.5 §7.2, §7.8.1).
/// </remarks>
public static partial class DicomDictionary
{
    /// <summary>Number of single-tag entries in the dictionary.</summary>
    public static int Count => s_tags.Length;

    /// <summary>Looks a tag up.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="entry">Its entry, when found.</param>
    /// <returns>True when the dictionary knows the tag (exactly, by repeating group or by rule).</returns>
    public static bool TryLookup(DicomTag tag, out DicomDictionaryEntry entry)
    {
        int i = Array.BinarySearch(s_tags, tag.Value);
        if (i >= 0)
        {
            var (vr, keyword, vm, retired) = s_entries[i];
            entry = new DicomDictionaryEntry(tag, vr, keyword, vm, retired);
            return true;
        }
        if (tag.Element == 0)
        {
            entry = new DicomDictionaryEntry(tag, DicomVR.UL, "GroupLength", "1", false);
            return true;
        }
        if (tag.IsPrivateCreator)
        {
            entry = new DicomDictionaryEntry(tag, DicomVR.LO, "PrivateCreator", "1", false);
            return true;
        }
        if (!tag.IsPrivate)
        {
            foreach (var r in s_ranges)
            {
                if (tag.Group >= r.GLo && tag.Group <= r.GHi && (tag.Group - r.GLo) % r.GStep == 0
                    && tag.Element >= r.ELo && tag.Element <= r.EHi && (tag.Element - r.ELo) % r.EStep == 0)
                {
                    entry = new DicomDictionaryEntry(tag, r.Vr, r.Keyword, r.Vm, r.Retired);
                    return true;
                }
            }
        }
        entry = default!;
        return false;
    }

    /// <summary>The VR a reader assumes for a tag in implicit VR syntax: the dictionary's, else UN.</summary>
    /// <param name="tag">The tag.</param>
    /// <returns>The VR.</returns>
    public static DicomVR ImplicitVR(DicomTag tag)
    {
        int i = Array.BinarySearch(s_tags, tag.Value);
        if (i >= 0) return s_entries[i].Vr;
        return TryLookup(tag, out var entry) ? entry.VR : DicomVR.UN;
    }

    /// <summary>Finds a tag by its keyword, such as <c>PatientName</c>.</summary>
    /// <param name="keyword">The keyword, case-sensitive as in PS3.6.</param>
    /// <param name="tag">The tag, when found.</param>
    /// <returns>True when found.</returns>
    public static bool TryFindKeyword(string keyword, out DicomTag tag)
    {
        for (int i = 0; i < s_entries.Length; i++)
        {
            if (string.Equals(s_entries[i].Keyword, keyword, StringComparison.Ordinal))
            {
                tag = DicomTag.FromUInt32(s_tags[i]);
                return true;
            }
        }
        tag = default;
        return false;
    }
}
