using System.Buffers.Binary;
using System.Text;

namespace Flip.Imaging.Tests;

/// <summary>A folder of DICOM files written by dcmtk at test time: one sample dataset in every transfer syntax.</summary>
public sealed class DcmtkFixture : IDisposable
{
    public DcmtkFixture()
    {
        Folder = Path.Combine(Path.GetTempPath(), "flip-imaging-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        PixelValues = new ushort[Rows * Columns];
        for (int i = 0; i < PixelValues.Length; i++) PixelValues[i] = (ushort)(i * 37 % 4096);
        var raw = new byte[PixelValues.Length * 2];
        for (int i = 0; i < PixelValues.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(raw.AsSpan(i * 2), PixelValues[i]);
        File.WriteAllBytes(Path.Combine(Folder, "pix.raw"), raw);
        File.WriteAllBytes(Path.Combine(Folder, "sample.dump"), Encoding.Latin1.GetBytes(SampleDump));
        Dcmtk.Run("dump2dcm", Folder, "sample.dump", "explicit.dcm");
        Dcmtk.Run("dump2dcm", Folder, "-e", "sample.dump", "undefined.dcm");
        Dcmtk.Run("dcmconv", Folder, "+ti", "explicit.dcm", "implicit.dcm");
        Dcmtk.Run("dcmconv", Folder, "+tb", "explicit.dcm", "bigendian.dcm");
        Dcmtk.Run("dcmconv", Folder, "+td", "explicit.dcm", "deflated.dcm");
        Dcmtk.Run("dcmconv", Folder, "-F", "+ti", "explicit.dcm", "bare-implicit.dcm");
        Dcmtk.Run("dcmconv", Folder, "-F", "+te", "explicit.dcm", "bare-explicit.dcm");
        Dcmtk.Run("dcmcrle", Folder, "explicit.dcm", "rle.dcm");
        Dcmtk.Run("dcmcjpeg", Folder, "+e1", "explicit.dcm", "jpeg-sv1.dcm");
        Dcmtk.Run("dcmcjpeg", Folder, "+el", "+sv", "6", "explicit.dcm", "jpeg-sv6.dcm");
        Dcmtk.Run("dcmcjpeg", Folder, "+ee", "explicit.dcm", "jpeg-extended.dcm");
        Dcmtk.Run("dcmcjpls", Folder, "explicit.dcm", "jpeg-ls.dcm");
    }

    public const int Rows = 4;
    public const int Columns = 5;

    public string Folder { get; }

    public ushort[] PixelValues { get; }

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>The sample with compressed pixel data.</summary>
    public static readonly string[] EncapsulatedVariants = ["rle.dcm", "jpeg-sv1.dcm", "jpeg-sv6.dcm", "jpeg-extended.dcm", "jpeg-ls.dcm"];

    public static readonly string[] Variants = ["explicit.dcm", "undefined.dcm", "implicit.dcm", "bigendian.dcm", "deflated.dcm", "bare-implicit.dcm", "bare-explicit.dcm"];

    // Latin-1 text: dump2dcm copies the bytes as they are, so "Müller" is stored in ISO_IR 100.
    private const string SampleDump = """
        (0008,0005) CS [ISO_IR 100]
        (0008,0016) UI [1.2.840.10008.5.1.4.1.1.4]
        (0008,0018) UI [1.2.3.4.5.6]
        (0008,0060) CS [MR]
        (0008,103e) LO [T2W tra]
        (0010,0010) PN [Müller^Hans]
        (0010,0020) LO [P001]
        (0010,1030) DS [72.5]
        (0020,000d) UI [1.2.3]
        (0020,000e) UI [1.2.3.4]
        (0020,0013) IS [7]
        (0020,0032) DS [-100\-120.5\30]
        (0020,0037) DS [1\0\0\0\1\0]
        (0028,0002) US 1
        (0028,0004) CS [MONOCHROME2]
        (0028,0010) US 4
        (0028,0011) US 5
        (0028,0030) DS [0.8\0.9]
        (0028,0100) US 16
        (0028,0101) US 12
        (0028,0102) US 11
        (0028,0103) US 0
        (0028,1052) DS [-1024]
        (0028,1053) DS [2]
        (0029,0010) LO [FLIP TEST]
        (0029,1010) OB 01\02\03\04
        (0029,1011) SL -5\7
        (0054,0016) SQ (Sequence with undefined length)
        (fffe,e000) na (Item with undefined length)
        (0018,1072) TM [101500]
        (0018,1074) DS [370000000]
        (0040,0260) SQ (Sequence with undefined length)
        (fffe,e000) na (Item with undefined length)
        (0008,0100) SH [CODE1]
        (fffe,e00d) na (ItemDelimitationItem)
        (fffe,e000) na (Item with undefined length)
        (0008,0100) SH [CODE2]
        (fffe,e00d) na (ItemDelimitationItem)
        (fffe,e0dd) na (SequenceDelimitationItem)
        (fffe,e00d) na (ItemDelimitationItem)
        (fffe,e0dd) na (SequenceDelimitationItem)
        (7fe0,0010) OW =pix.raw
        """;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
