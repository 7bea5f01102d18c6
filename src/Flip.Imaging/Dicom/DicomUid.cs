using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Flip.Imaging.Dicom;

/// <summary>Makes DICOM UIDs under the <c>2.25</c> root (a UUID as a decimal integer, PS3.5 §B.2).</summary>
public static class DicomUid
{
    /// <summary>A UID from a seeded random source, so synthetic data is the same on every run.</summary>
    /// <param name="random">The random source (pass one seeded from the experiment's seed).</param>
    /// <returns>A UID of at most 44 characters.</returns>
    public static string Create(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return FromBytes(bytes);
    }

    /// <summary>A UID derived from a name (SHA-256 of the UTF-8 name), the same for the same name everywhere.</summary>
    /// <param name="name">Any text, such as <c>"site-3/patient-12/study-1"</c>.</param>
    /// <returns>A UID of at most 44 characters.</returns>
    public static string FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return FromBytes(SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 16));
    }

    private static string FromBytes(ReadOnlySpan<byte> sixteen) =>
        "2.25." + new BigInteger(sixteen, isUnsigned: true, isBigEndian: true).ToString(CultureInfo.InvariantCulture);

    /// <summary>True when the text is a syntactically valid UID: at most 64 characters, digits and dots, no empty or zero-led component (PS3.5 §9.1).</summary>
    /// <param name="uid">The text.</param>
    /// <returns>Whether it is valid.</returns>
    public static bool IsValid(string? uid)
    {
        if (string.IsNullOrEmpty(uid) || uid.Length > 64) return false;
        foreach (var part in uid.Split('.'))
        {
            if (part.Length == 0 || !part.All(char.IsAsciiDigit)) return false;
            if (part.Length > 1 && part[0] == '0') return false;
        }
        return true;
    }
}
