using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Flip.Imaging.Fuzzing;

/// <summary>One change to a seed file; applying it never fails, whatever the bytes have become.</summary>
/// <param name="Kind">The family.</param>
/// <param name="Site">Index into the seed's <see cref="DicomLayout.Sites"/> (the kinds that aim at an element).</param>
/// <param name="Position">A byte position, or a position inside the aimed element.</param>
/// <param name="Value">The value written (a length, a byte, a choice among variants).</param>
/// <param name="Count">How many bytes (flips, insertions, deletions).</param>
public sealed record DicomMutation(DicomMutationKind Kind, int Site, int Position, uint Value, int Count)
{
    /// <summary>Two-letter codes written over a VR: every VR, plus bytes that are not one.</summary>
    public static readonly string[] VrChoices =
    [
        "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ",
        "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV", "l0", "\0\0", "zz", "  ",
    ];

    /// <summary>Transfer syntax UIDs written over the real one: other supported ones (a lie about the encoding), unsupported ones, malformed text.</summary>
    public static readonly string[] TransferSyntaxChoices =
    [
        "1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.5",
        "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90",
        "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.201", "1.2.3", "", "1..2", "X.Y.Z", "1.2.840.10008.1.2.1\0\0\0\0", "9999999999999999999999999999999999999999999999999999999999999999",
    ];

    /// <summary>Text values written over IS/DS/CS/UI attributes.</summary>
    public static readonly string[] TextValueChoices =
    [
        "0", "-1", "1", "2", "3", "65535", "65536", "2147483647", "2147483648", "-2147483648", "99999999999999999999", "1e308", "-1e308", "NaN",
        "Infinity", "-0", "0.0", "1\\0", "\\\\", "", " ", "abc", "1.5", "0\\0\\0\\0\\0\\0", "MONOCHROME1", "PALETTE COLOR", "YBR_FULL", "RGB",
    ];

    /// <summary>Binary values written over US/SS/UL/SL attributes.</summary>
    public static readonly uint[] BinaryValueChoices = [0, 1, 2, 3, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 64, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0xFFFFFFFF];

    /// <summary>Boundary values written into length fields.</summary>
    public static uint[] LengthChoices(int fileLength) =>
    [
        0, 1, 2, 3, 7, 0xFF, 0xFFFE, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0, 0xFFFFFFFE, 0xFFFFFFFF,
        (uint)fileLength, (uint)fileLength + 1, (uint)fileLength - 1, (uint)Math.Max(0, fileLength - 8),
    ];

    /// <summary>Applies the change to a copy of the seed.</summary>
    /// <param name="seed">The seed the site indices refer to.</param>
    /// <param name="bytes">The bytes so far (the seed, or the output of earlier mutations).</param>
    /// <returns>New bytes.</returns>
    public byte[] Apply(DicomFuzzSeed seed, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentNullException.ThrowIfNull(bytes);
        var sites = seed.Layout.Sites;
        ElementSite? site = sites.Count == 0 ? null : sites[Math.Clamp(Site, 0, sites.Count - 1)];
        var b = (byte[])bytes.Clone();
        int n = b.Length;
        switch (Kind)
        {
            case DicomMutationKind.FlipBytes:
                for (int i = 0; i < Count && Position + i < n; i++) b[Position + i] ^= (byte)(Value | 1);
                return b;
            case DicomMutationKind.Truncate:
                return b[..Math.Clamp(Position, 0, n)];
            case DicomMutationKind.SetLength when site is not null:
                WriteLength(b, site, Value);
                return b;
            case DicomMutationKind.UndefinedLength when site is not null:
                WriteLength(b, site, 0xFFFFFFFF);
                return b;
            case DicomMutationKind.SwapVr when site is { VrOffset: >= 0 }:
                if (site.VrOffset + 2 <= n) Encoding.Latin1.GetBytes(VrChoices[Value % VrChoices.Length], b.AsSpan(site.VrOffset, 2));
                return b;
            case DicomMutationKind.DamageDelimiter when site is not null:
                return DamageDelimiter(b, site);
            case DicomMutationKind.SwapElements when site is not null:
                return SwapWithNext(b, sites, site);
            case DicomMutationKind.DuplicateElement when site is { Length: not 0xFFFFFFFF }:
                return site.End <= n ? Splice(b, (int)site.End, b.AsSpan(site.Offset, (int)(site.End - site.Offset)).ToArray(), 0) : b;
            case DicomMutationKind.BadTransferSyntax:
                return BadTransferSyntax(b, seed.Layout.TransferSyntax);
            case DicomMutationKind.DamageFragment when site is not null:
                return DamageFragment(b, site);
            case DicomMutationKind.DamageCodecStream when site is { Length: not 0xFFFFFFFF and > 0 }:
                int at = site.ValueOffset + (int)((uint)Position % site.Length);
                for (int i = 0; i < Count && at + i < n; i++) b[at + i] ^= (byte)(Value | 1);
                return b;
            case DicomMutationKind.SetValue when site is { Length: > 0 and <= 64 }:
                return SetValue(b, site);
            case DicomMutationKind.InsertBytes:
                var inserted = new byte[Count];
                for (int i = 0; i < Count; i++) inserted[i] = (byte)(Value >> (8 * (i % 4)));
                return Splice(b, Math.Clamp(Position, 0, n), inserted, 0);
            case DicomMutationKind.DeleteBytes:
                int from = Math.Clamp(Position, 0, n);
                return Splice(b, from, [], Math.Min(Count, n - from));
            default:
                return b;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind}(site {Site}, position {Position}, value 0x{Value:X8}, count {Count})");

    private byte[] SetValue(byte[] b, ElementSite site)
    {
        if (site.End > b.Length) return b;
        var value = b.AsSpan(site.ValueOffset, (int)site.Length);
        bool text = site.Vr is { } vr ? vr is "IS" or "DS" or "CS" or "UI" or "LO" or "SH" : value.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) < 0 || value[^1] == 0 && value[..^1].IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) < 0;
        if (!text)
        {
            uint v = BinaryValueChoices[Value % BinaryValueChoices.Length];
            for (int i = 0; i < value.Length; i++) value[i] = (byte)(site.LittleEndian ? v >> (8 * (i % 4)) : v >> (8 * (3 - i % 4)));
            if (value.Length == 2 && !site.LittleEndian) BinaryPrimitives.WriteUInt16BigEndian(value, (ushort)v);
            else if (value.Length == 2) BinaryPrimitives.WriteUInt16LittleEndian(value, (ushort)v);
            return b;
        }
        var replacement = Encoding.ASCII.GetBytes(TextValueChoices[Value % TextValueChoices.Length]);
        if (Count % 2 == 0)
        {
            value.Fill((byte)' ');
            replacement.AsSpan(0, Math.Min(replacement.Length, value.Length)).CopyTo(value);
            return b;
        }
        if ((replacement.Length & 1) == 1) replacement = [.. replacement, (byte)' '];
        var result = Splice(b, site.ValueOffset, replacement, (int)site.Length);
        WriteLength(result, site, (uint)replacement.Length);
        return result;
    }

    private static void WriteLength(byte[] b, ElementSite site, uint value)
    {
        if (site.LengthOffset + site.LengthWidth > b.Length) return;
        var span = b.AsSpan(site.LengthOffset, site.LengthWidth);
        if (site.LengthWidth == 2)
        {
            if (site.LittleEndian) BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)value);
            else BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)value);
        }
        else if (site.LittleEndian) BinaryPrimitives.WriteUInt32LittleEndian(span, value);
        else BinaryPrimitives.WriteUInt32BigEndian(span, value);
    }

    private byte[] DamageDelimiter(byte[] b, ElementSite site)
    {
        if (site.Offset + 8 > b.Length) return b;
        ushort[] elements = [0xE000, 0xE00D, 0xE0DD, 0x0000, 0xE0DE];
        switch (Value % 4)
        {
            case 0:
                ushort element = elements[Position % elements.Length];
                if (site.LittleEndian) BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(site.Offset + 2), element);
                else BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(site.Offset + 2), element);
                return b;
            case 1:
                return Splice(b, site.Offset, [], 8);
            case 2:
                // A delimiter with a non-zero length, or an item with a length that cuts into its neighbour.
                WriteLength(b, site, (uint)(Position % 64));
                return b;
            default:
                // The same header repeated: an extra item or a second delimiter.
                return Splice(b, site.Offset, b.AsSpan(site.Offset, 8).ToArray(), 0);
        }
    }

    private static byte[] SwapWithNext(byte[] b, IReadOnlyList<ElementSite> sites, ElementSite site)
    {
        if (site.Length == 0xFFFFFFFF || site.End > b.Length) return b;
        var next = sites.FirstOrDefault(s => s.Offset == site.End && s.Depth == site.Depth && s.Length != 0xFFFFFFFF);
        if (next is null || next.End > b.Length) return b;
        var first = b.AsSpan(site.Offset, (int)(site.End - site.Offset)).ToArray();
        var second = b.AsSpan(next.Offset, (int)(next.End - next.Offset)).ToArray();
        var result = (byte[])b.Clone();
        second.CopyTo(result, site.Offset);
        first.CopyTo(result, site.Offset + second.Length);
        return result;
    }

    private byte[] BadTransferSyntax(byte[] b, ElementSite? ts)
    {
        if (ts is null || ts.End > b.Length) return b;
        var uid = Encoding.ASCII.GetBytes(TransferSyntaxChoices[Value % TransferSyntaxChoices.Length]);
        if (Count % 2 == 0)
        {
            // Keep the element's length: pad or cut the new UID to it.
            var value = new byte[ts.Length];
            uid.AsSpan(0, Math.Min(uid.Length, value.Length)).CopyTo(value);
            value.CopyTo(b, ts.ValueOffset);
            return b;
        }
        // Change the length to fit the new UID (the group length, if any, is now wrong too).
        if ((uid.Length & 1) == 1) uid = [.. uid, 0];
        var result = Splice(b, ts.ValueOffset, uid, (int)ts.Length);
        if (ts.LengthWidth == 2) BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(ts.LengthOffset), (ushort)uid.Length);
        return result;
    }

    private byte[] DamageFragment(byte[] b, ElementSite site)
    {
        if (site.ValueOffset > b.Length) return b;
        switch (Value % 5)
        {
            case 0:
                WriteLength(b, site, site.Length | 1);
                return b;
            case 1:
                WriteLength(b, site, 0);
                return b;
            case 2:
                WriteLength(b, site, (uint)(b.Length - site.ValueOffset + 2 + Position % 4096));
                return b;
            case 3:
                // An offset-table or extended-offset entry pointing anywhere.
                if (site.Length >= 4 && site.Length != 0xFFFFFFFF)
                {
                    long entry = site.ValueOffset + (long)((uint)Position % (site.Length / 4) * 4);
                    if (entry + 4 <= b.Length) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan((int)entry), (uint)Position * 2654435761u);
                }
                return b;
            default:
                // Lose everything after this fragment's header: no sequence delimiter, no later fragments.
                return b[..Math.Min(b.Length, site.ValueOffset + (int)Math.Min(site.Length == 0xFFFFFFFF ? 0 : site.Length, (uint)Position))];
        }
    }

    private static byte[] Splice(byte[] b, int at, ReadOnlySpan<byte> insert, int remove)
    {
        at = Math.Clamp(at, 0, b.Length);
        remove = Math.Clamp(remove, 0, b.Length - at);
        var result = new byte[b.Length - remove + insert.Length];
        b.AsSpan(0, at).CopyTo(result);
        insert.CopyTo(result.AsSpan(at));
        b.AsSpan(at + remove).CopyTo(result.AsSpan(at + insert.Length));
        return result;
    }
}
