namespace Flip.Imaging.Dicom;

/// <summary>A DICOM transfer syntax: how a dataset and its pixel data are encoded.</summary>
/// <remarks>PS3.5 §10 and Annex A. Unknown UIDs are treated as explicit VR little endian with encapsulated pixel data (PS3.5 §10.3).</remarks>
public sealed class TransferSyntax
{
    private TransferSyntax(string uid, string name, bool explicitVr, bool littleEndian, bool encapsulated, bool deflated)
    {
        Uid = uid;
        Name = name;
        IsExplicitVr = explicitVr;
        IsLittleEndian = littleEndian;
        IsEncapsulated = encapsulated;
        IsDeflated = deflated;
    }

    /// <summary>Implicit VR Little Endian, the default transfer syntax (1.2.840.10008.1.2).</summary>
    public static readonly TransferSyntax ImplicitVrLittleEndian = new("1.2.840.10008.1.2", "Implicit VR Little Endian", false, true, false, false);

    /// <summary>Explicit VR Little Endian (1.2.840.10008.1.2.1).</summary>
    public static readonly TransferSyntax ExplicitVrLittleEndian = new("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, true, false, false);

    /// <summary>Deflated Explicit VR Little Endian (1.2.840.10008.1.2.1.99).</summary>
    public static readonly TransferSyntax DeflatedExplicitVrLittleEndian = new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, true, false, true);

    /// <summary>Explicit VR Big Endian, retired (1.2.840.10008.1.2.2).</summary>
    public static readonly TransferSyntax ExplicitVrBigEndian = new("1.2.840.10008.1.2.2", "Explicit VR Big Endian", true, false, false, false);

    /// <summary>RLE Lossless (1.2.840.10008.1.2.5).</summary>
    public static readonly TransferSyntax RleLossless = new("1.2.840.10008.1.2.5", "RLE Lossless", true, true, true, false);

    /// <summary>JPEG Lossless, Non-Hierarchical (Process 14) (1.2.840.10008.1.2.4.57).</summary>
    public static readonly TransferSyntax JpegLosslessProcess14 = new("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", true, true, true, false);

    /// <summary>JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1]) (1.2.840.10008.1.2.4.70).</summary>
    public static readonly TransferSyntax JpegLosslessProcess14Sv1 = new("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", true, true, true, false);

    /// <summary>JPEG Baseline (Process 1) (1.2.840.10008.1.2.4.50).</summary>
    public static readonly TransferSyntax JpegBaseline = new("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", true, true, true, false);

    /// <summary>JPEG Extended (Process 2 and 4) (1.2.840.10008.1.2.4.51).</summary>
    public static readonly TransferSyntax JpegExtended = new("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", true, true, true, false);

    /// <summary>JPEG-LS Lossless (1.2.840.10008.1.2.4.80).</summary>
    public static readonly TransferSyntax JpegLsLossless = new("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", true, true, true, false);

    /// <summary>JPEG-LS Lossy (Near-Lossless) (1.2.840.10008.1.2.4.81).</summary>
    public static readonly TransferSyntax JpegLsNearLossless = new("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless)", true, true, true, false);

    /// <summary>JPEG 2000 Lossless Only (1.2.840.10008.1.2.4.90).</summary>
    public static readonly TransferSyntax Jpeg2000Lossless = new("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", true, true, true, false);

    /// <summary>JPEG 2000 (1.2.840.10008.1.2.4.91).</summary>
    public static readonly TransferSyntax Jpeg2000 = new("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", true, true, true, false);

    private static readonly TransferSyntax[] s_known =
    [
        ImplicitVrLittleEndian, ExplicitVrLittleEndian, DeflatedExplicitVrLittleEndian, ExplicitVrBigEndian, RleLossless,
        JpegLosslessProcess14, JpegLosslessProcess14Sv1, JpegBaseline, JpegExtended, JpegLsLossless, JpegLsNearLossless,
        Jpeg2000Lossless, Jpeg2000,
    ];

    /// <summary>The UID, such as <c>1.2.840.10008.1.2.1</c>.</summary>
    public string Uid { get; }

    /// <summary>The name from PS3.6 Annex A.</summary>
    public string Name { get; }

    /// <summary>True when each element spells its VR (PS3.5 §7.1.2).</summary>
    public bool IsExplicitVr { get; }

    /// <summary>True for little endian byte order.</summary>
    public bool IsLittleEndian { get; }

    /// <summary>True when pixel data is encapsulated in fragments (compressed, PS3.5 §A.4).</summary>
    public bool IsEncapsulated { get; }

    /// <summary>True when the dataset after the file meta group is deflated (PS3.5 §A.5).</summary>
    public bool IsDeflated { get; }

    /// <summary>Finds the transfer syntax of a UID; unknown UIDs get an encapsulated explicit VR little endian syntax named by the UID.</summary>
    /// <param name="uid">The UID, trailing NUL or space allowed.</param>
    /// <returns>The transfer syntax.</returns>
    public static TransferSyntax FromUid(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        uid = uid.TrimEnd('\0', ' ');
        foreach (var ts in s_known)
            if (ts.Uid == uid) return ts;
        return new TransferSyntax(uid, $"unknown transfer syntax {uid}", true, true, true, false);
    }

    /// <summary>The name and UID.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{Name} ({Uid})";
}
