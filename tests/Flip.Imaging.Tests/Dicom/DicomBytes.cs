using System.Buffers.Binary;
using System.Text;

namespace Flip.Imaging.Tests.Dicom;

/// <summary>Builds small explicit VR little endian byte streams by hand, for malformed-input tests.</summary>
internal sealed class DicomBytes
{
    private readonly MemoryStream _stream = new();

    public static DicomBytes Part10(string transferSyntaxUid = "1.2.840.10008.1.2.1")
    {
        var b = new DicomBytes();
        b._stream.Write(new byte[128]);
        b._stream.Write("DICM"u8);
        var uid = transferSyntaxUid.Length % 2 == 1 ? transferSyntaxUid + "\0" : transferSyntaxUid;
        b.Short(0x0002, 0x0010, "UI", Encoding.ASCII.GetBytes(uid));
        return b;
    }

    public DicomBytes Short(ushort group, ushort element, string vr, byte[] value, int? length = null)
    {
        Tag(group, element);
        _stream.Write(Encoding.ASCII.GetBytes(vr));
        U16((ushort)(length ?? value.Length));
        _stream.Write(value);
        return this;
    }

    public DicomBytes Long(ushort group, ushort element, string vr, uint length, byte[]? value = null)
    {
        Tag(group, element);
        _stream.Write(Encoding.ASCII.GetBytes(vr));
        U16(0);
        U32(length);
        if (value is not null) _stream.Write(value);
        return this;
    }

    public DicomBytes Item(uint length)
    {
        Tag(0xFFFE, 0xE000);
        U32(length);
        return this;
    }

    public DicomBytes Raw(byte[] bytes)
    {
        _stream.Write(bytes);
        return this;
    }

    public long Position => _stream.Position;

    public byte[] ToArray() => _stream.ToArray();

    private void Tag(ushort group, ushort element)
    {
        U16(group);
        U16(element);
    }

    private void U16(ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        _stream.Write(b);
    }

    private void U32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        _stream.Write(b);
    }
}
