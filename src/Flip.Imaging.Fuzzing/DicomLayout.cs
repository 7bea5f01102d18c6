using System.Buffers.Binary;

namespace Flip.Imaging.Fuzzing;

/// <summary>Where the element headers of a valid DICOM file sit, so mutations can aim at lengths, VRs, delimiters and fragments.</summary>
/// <remarks>A plain walk over the bytes, independent of the reader under test: the file meta group in explicit VR little endian,
/// then the dataset in the syntax named by the caller. A deflated dataset is not walked (its bytes are a deflate stream).</remarks>
public sealed class DicomLayout
{
    private static readonly HashSet<string> LongVrs = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"];

    private DicomLayout(IReadOnlyList<ElementSite> sites, ElementSite? transferSyntax)
    {
        Sites = sites;
        TransferSyntax = transferSyntax;
    }

    /// <summary>Every element, item and delimiter header found, in file order.</summary>
    public IReadOnlyList<ElementSite> Sites { get; }

    /// <summary>The (0002,0010) Transfer Syntax UID element, when present.</summary>
    public ElementSite? TransferSyntax { get; }

    /// <summary>Walks a valid file.</summary>
    /// <param name="bytes">The file.</param>
    /// <param name="explicitVr">Whether the dataset (after group 0002) has explicit VRs.</param>
    /// <param name="littleEndian">Whether the dataset is little endian.</param>
    /// <param name="deflated">Whether the dataset is deflated (only the meta group is walked).</param>
    /// <returns>The layout; a walk that meets something it does not understand stops there.</returns>
    public static DicomLayout Walk(byte[] bytes, bool explicitVr, bool littleEndian, bool deflated)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var sites = new List<ElementSite>();
        int at = bytes.Length >= 132 && bytes.AsSpan(128, 4).SequenceEqual("DICM"u8) ? 132 : 0;
        int depth = 0;
        while (at + 8 <= bytes.Length)
        {
            bool meta = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at)) == 0x0002;
            if (!meta && deflated) break;
            bool le = meta || littleEndian, ex = meta || explicitVr;
            ushort group = le ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at)) : BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(at));
            ushort element = le ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 2)) : BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(at + 2));
            uint tag = (uint)group << 16 | element;
            ElementSite site;
            if (group == 0xFFFE)
            {
                site = new ElementSite(at, tag, null, -1, at + 4, 4, Read32(bytes, at + 4, le), at + 8, depth, le);
            }
            else if (ex)
            {
                string vr = System.Text.Encoding.ASCII.GetString(bytes, at + 4, 2);
                if (!(char.IsAsciiLetterUpper(vr[0]) && char.IsAsciiLetterUpper(vr[1]))) break;
                if (LongVrs.Contains(vr))
                {
                    if (at + 12 > bytes.Length) break;
                    site = new ElementSite(at, tag, vr, at + 4, at + 8, 4, Read32(bytes, at + 8, le), at + 12, depth, le);
                }
                else
                {
                    uint length = le ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 6)) : BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(at + 6));
                    site = new ElementSite(at, tag, vr, at + 4, at + 6, 2, length, at + 8, depth, le);
                }
            }
            else
            {
                site = new ElementSite(at, tag, null, -1, at + 4, 4, Read32(bytes, at + 4, le), at + 8, depth, le);
            }
            sites.Add(site);
            bool opens = site.Length == 0xFFFFFFFF || site.Vr == "SQ" || tag == 0xFFFEE000 && InsideSequence(sites);
            if (tag is 0xFFFEE00D or 0xFFFEE0DD) depth = Math.Max(0, depth - 1);
            if (opens && !(tag == 0xFFFEE000 && site.Length != 0xFFFFFFFF && IsFragment(sites)))
            {
                if (site.Length == 0xFFFFFFFF) depth++;
                at = site.ValueOffset;
            }
            else
            {
                long next = (long)site.ValueOffset + site.Length;
                if (next > bytes.Length) break;
                at = (int)next;
            }
        }
        return new DicomLayout(sites, sites.FirstOrDefault(s => s.Tag == 0x00020010));
    }

    // An item opens a nested dataset unless it is a fragment of encapsulated pixel data.
    private static bool InsideSequence(List<ElementSite> sites) => !IsFragment(sites);

    private static bool IsFragment(List<ElementSite> sites)
    {
        for (int i = sites.Count - 2; i >= 0; i--)
        {
            if (sites[i].Tag == 0xFFFEE000) continue;
            return sites[i].Tag == 0x7FE00010;
        }
        return false;
    }

    private static uint Read32(byte[] bytes, int at, bool le) =>
        le ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at));
}

/// <summary>One header in a DICOM file.</summary>
/// <param name="Offset">Where the header starts.</param>
/// <param name="Tag">Group &lt;&lt; 16 | element.</param>
/// <param name="Vr">The explicit VR, or <see langword="null"/> (implicit syntax, items and delimiters).</param>
/// <param name="VrOffset">Where the two VR bytes are, or -1.</param>
/// <param name="LengthOffset">Where the length field is.</param>
/// <param name="LengthWidth">2 or 4 bytes.</param>
/// <param name="Length">The declared length (0xFFFFFFFF = undefined).</param>
/// <param name="ValueOffset">Where the value starts.</param>
/// <param name="Depth">Sequence nesting depth.</param>
/// <param name="LittleEndian">Byte order of the header.</param>
public sealed record ElementSite(int Offset, uint Tag, string? Vr, int VrOffset, int LengthOffset, int LengthWidth, uint Length, int ValueOffset, int Depth, bool LittleEndian)
{
    /// <summary>True for items and item/sequence delimiters (group FFFE).</summary>
    public bool IsDelimiterOrItem => Tag >> 16 == 0xFFFE;

    /// <summary>The end of the value when the length is defined, else -1.</summary>
    public long End => Length == 0xFFFFFFFF ? -1 : (long)ValueOffset + Length;
}
