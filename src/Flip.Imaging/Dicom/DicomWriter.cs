using System.Buffers.Binary;
using System.Text;

namespace Flip.Imaging.Dicom;

/// <summary>Writes DICOM Part 10 files: preamble, <c>DICM</c>, a fresh file meta group, then the dataset.</summary>
/// <remarks>
/// PS3.10 §7.1 and PS3.5 §7. Writes Explicit VR Little Endian (the default) or Implicit VR Little
/// Endian; encapsulated pixel data read from a compressed file is written back in its own syntax.
/// Sequences and items are written with undefined length and delimiters (PS3.5 §7.5.2), so no
/// length has to be computed ahead. Group length elements are dropped (they are optional and
/// would go stale). Odd-length values are padded with the VR's padding byte. Files are written
/// atomically: to <c>name.tmp</c>, flushed, then renamed.
/// </remarks>
public static class DicomWriter
{
    /// <summary>The Implementation Class UID written in the file meta group.</summary>
    public const string ImplementationClassUid = "2.25.181405381823712931004245736617406392114";

    /// <summary>The Implementation Version Name written in the file meta group.</summary>
    public const string ImplementationVersionName = "FLIP_IMAGING_01";

    /// <summary>Saves a dataset as a Part 10 file, atomically.</summary>
    /// <param name="dataset">The dataset; SOP Class UID and SOP Instance UID fill the meta group when present.</param>
    /// <param name="path">Where to write.</param>
    /// <param name="syntax">Explicit VR Little Endian (default) or Implicit VR Little Endian.</param>
    /// <exception cref="ArgumentException">The syntax is not writable, or a value is too long for its VR.</exception>
    public static void Save(DicomDataset dataset, string path, TransferSyntax? syntax = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var tmp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                Write(dataset, stream, syntax);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    /// <summary>Writes a dataset as a Part 10 file to a stream.</summary>
    /// <param name="dataset">The dataset.</param>
    /// <param name="output">Where to write.</param>
    /// <param name="syntax">Explicit VR Little Endian (default) or Implicit VR Little Endian; an encapsulated syntax only when the pixel data is already encapsulated.</param>
    /// <exception cref="ArgumentException">The syntax is not writable, or a value is too long for its VR.</exception>
    public static void Write(DicomDataset dataset, Stream output, TransferSyntax? syntax = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(output);
        syntax ??= TransferSyntax.ExplicitVrLittleEndian;
        bool encapsulatedPixels = dataset.TryGetElement(DicomTag.PixelData, out var px) && px.Fragments is not null;
        if (!syntax.IsLittleEndian || syntax.IsDeflated || (!syntax.IsExplicitVr && syntax != TransferSyntax.ImplicitVrLittleEndian))
            throw new ArgumentException($"cannot write {syntax}; expected Explicit VR Little Endian or Implicit VR Little Endian.", nameof(syntax));
        if (syntax.IsEncapsulated != encapsulatedPixels)
            throw new ArgumentException(encapsulatedPixels
                ? $"the pixel data is compressed; write it in its own transfer syntax, not {syntax.Name} (decode it first to change syntax)."
                : $"{syntax.Name} needs compressed pixel data; this library writes only uncompressed pixel data.", nameof(syntax));

        var meta = new DicomDataset();
        meta.SetBytes(DicomTag.FileMetaInformationVersion, DicomVR.OB, new byte[] { 0, 1 });
        meta.SetString(DicomTag.MediaStorageSopClassUid, DicomVR.UI, dataset.GetStringOrDefault(DicomTag.SopClassUid, "1.2.840.10008.5.1.4.1.1.7"));
        meta.SetString(DicomTag.MediaStorageSopInstanceUid, DicomVR.UI, dataset.GetStringOrDefault(DicomTag.SopInstanceUid, "2.25.0"));
        meta.SetString(DicomTag.TransferSyntaxUid, DicomVR.UI, syntax.Uid);
        meta.SetString(DicomTag.ImplementationClassUid, DicomVR.UI, ImplementationClassUid);
        meta.SetString(DicomTag.ImplementationVersionName, DicomVR.SH, ImplementationVersionName);
        using var metaBytes = new MemoryStream();
        var metaWriter = new Encoder(metaBytes, explicitVr: true);
        metaWriter.WriteDataset(meta, topLevel: false);

        Span<byte> header = stackalloc byte[132];
        header.Clear();
        "DICM"u8.CopyTo(header[128..]);
        output.Write(header);
        var encoder = new Encoder(output, explicitVr: true);
        encoder.WriteElement(new DicomElement(DicomTag.FileMetaInformationGroupLength, DicomVR.UL, BitConverter.GetBytes((uint)metaBytes.Length)));
        metaBytes.Position = 0;
        metaBytes.CopyTo(output);
        new Encoder(output, syntax.IsExplicitVr).WriteDataset(dataset, topLevel: true);
    }

    private sealed class Encoder(Stream output, bool explicitVr)
    {
        private readonly byte[] _scratch = new byte[12];

        public void WriteDataset(DicomDataset ds, bool topLevel)
        {
            foreach (var e in ds)
            {
                if (e.Tag.Element == 0 || (topLevel && e.Tag.Group == 0x0002)) continue;
                WriteElement(e);
            }
        }

        public void WriteElement(DicomElement e)
        {
            if (e.IsSequence)
            {
                Header(e.Tag, DicomVR.SQ, 0xFFFFFFFF);
                foreach (var item in e.Items)
                {
                    Item(DicomTag.Item, 0xFFFFFFFF);
                    WriteDataset(item, topLevel: false);
                    Item(DicomTag.ItemDelimitationItem, 0);
                }
                Item(DicomTag.SequenceDelimitationItem, 0);
                return;
            }
            if (e.Fragments is not null)
            {
                Header(e.Tag, e.VR == DicomVR.OW ? DicomVR.OW : DicomVR.OB, 0xFFFFFFFF);
                Item(DicomTag.Item, (uint)Padded(e.Fragments.BasicOffsetTable.Length));
                Value(e.Fragments.BasicOffsetTable.Span, 0);
                foreach (var f in e.Fragments.Fragments)
                {
                    Item(DicomTag.Item, (uint)Padded(f.Length));
                    Value(f.Span, 0);
                }
                Item(DicomTag.SequenceDelimitationItem, 0);
                return;
            }
            var value = e.RawValue.Span;
            int length = Padded(value.Length);
            var vr = e.VR == DicomVR.None ? DicomVR.UN : e.VR;
            if (explicitVr && !DicomVRInfo.HasLongLength(vr) && length > 0xFFFF)
                throw new ArgumentException($"{DicomFormatException.Describe(e.Tag, vr)} has {length:N0} bytes, more than the 65,534 its VR can hold in explicit VR syntax.", nameof(e));
            Header(e.Tag, vr, (uint)length);
            Value(value, DicomVRInfo.PaddingByte(vr));
        }

        private static int Padded(int length) => (length + 1) & ~1;

        private void Value(ReadOnlySpan<byte> value, byte padding)
        {
            output.Write(value);
            if ((value.Length & 1) == 1) output.WriteByte(padding);
        }

        private void Item(DicomTag tag, uint length)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(_scratch, tag.Group);
            BinaryPrimitives.WriteUInt16LittleEndian(_scratch.AsSpan(2), tag.Element);
            BinaryPrimitives.WriteUInt32LittleEndian(_scratch.AsSpan(4), length);
            output.Write(_scratch, 0, 8);
        }

        private void Header(DicomTag tag, DicomVR vr, uint length)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(_scratch, tag.Group);
            BinaryPrimitives.WriteUInt16LittleEndian(_scratch.AsSpan(2), tag.Element);
            if (!explicitVr)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(_scratch.AsSpan(4), length);
                output.Write(_scratch, 0, 8);
                return;
            }
            var name = vr.ToString();
            _scratch[4] = (byte)name[0];
            _scratch[5] = (byte)name[1];
            if (DicomVRInfo.HasLongLength(vr))
            {
                _scratch[6] = 0;
                _scratch[7] = 0;
                BinaryPrimitives.WriteUInt32LittleEndian(_scratch.AsSpan(8), length);
                output.Write(_scratch, 0, 12);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(_scratch.AsSpan(6), (ushort)length);
                output.Write(_scratch, 0, 8);
            }
        }
    }

}
