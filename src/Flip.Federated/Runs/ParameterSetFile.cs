using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Flip.Federated.Runs;

/// <summary>
/// The checkpoint format of a <see cref="ParameterSet"/>: little-endian, self-describing, one file.
/// </summary>
/// <remarks>
/// Layout: the 8 bytes <c>FLIPPSET</c>; uint32 version (2); uint32 array count; then per array:
/// uint16 name length and the UTF-8 name, uint8 element type (0 float32, 1 float64, 2 int64),
/// uint8 rank, rank × int32 dimensions, and the values in C order; version 2 ends with the 32-byte
/// SHA-256 of everything before it, verified before anything is parsed (a flipped byte anywhere is
/// refused with <see cref="CorruptFileException"/>). Version 1 files (no hash) are still read. Every
/// length read is checked against the bytes left before anything is allocated.
/// </remarks>
public static class ParameterSetFile
{
    private const uint CurrentVersion = 2;
    private const int HashLength = 32;
    private static readonly byte[] Magic = "FLIPPSET"u8.ToArray();

    /// <summary>Writes a set to a stream.</summary>
    /// <param name="stream">Where to write.</param>
    /// <param name="set">The set.</param>
    public static void Write(Stream stream, ParameterSet set)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(set);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Checkpoints are written on little-endian machines only.");
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> scratch = stackalloc byte[8];
        Put(stream, hash, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(scratch, CurrentVersion);
        Put(stream, hash, scratch[..4]);
        BinaryPrimitives.WriteUInt32LittleEndian(scratch, (uint)set.Count);
        Put(stream, hash, scratch[..4]);
        foreach (var array in set)
        {
            byte[] name = Encoding.UTF8.GetBytes(array.Name);
            BinaryPrimitives.WriteUInt16LittleEndian(scratch, checked((ushort)name.Length));
            Put(stream, hash, scratch[..2]);
            Put(stream, hash, name);
            scratch[0] = (byte)array.DataType;
            scratch[1] = checked((byte)array.Shape.Length);
            Put(stream, hash, scratch[..2]);
            foreach (int dimension in array.Shape)
            {
                BinaryPrimitives.WriteInt32LittleEndian(scratch, dimension);
                Put(stream, hash, scratch[..4]);
            }

            switch (array.DataType)
            {
                case ParameterDataType.Float32:
                    Put(stream, hash, MemoryMarshal.AsBytes(array.AsFloat32().Span));
                    break;
                case ParameterDataType.Float64:
                    Put(stream, hash, MemoryMarshal.AsBytes(array.AsFloat64().Span));
                    break;
                default:
                    Put(stream, hash, MemoryMarshal.AsBytes(array.AsInt64().Span));
                    break;
            }
        }

        stream.Write(hash.GetHashAndReset());
    }

    private static void Put(Stream stream, IncrementalHash hash, ReadOnlySpan<byte> bytes)
    {
        hash.AppendData(bytes);
        stream.Write(bytes);
    }

    /// <summary>Writes a set to a file atomically.</summary>
    /// <param name="path">The file.</param>
    /// <param name="set">The set.</param>
    public static void Write(string path, ParameterSet set) => AtomicFile.Write(path, stream => Write(stream, set));

    /// <summary>Reads a set from a file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The set.</returns>
    /// <exception cref="RunStoreException">The file is malformed; the message gives the byte offset.</exception>
    /// <exception cref="CorruptFileException">The file's SHA-256 differs from the one it carries.</exception>
    public static ParameterSet Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return Read(bytes, path);
    }

    /// <summary>Reads a set from bytes.</summary>
    /// <param name="bytes">The file's bytes.</param>
    /// <param name="file">The file name, for error messages.</param>
    /// <returns>The set.</returns>
    /// <exception cref="RunStoreException">The bytes are malformed; the message gives the byte offset.</exception>
    /// <exception cref="CorruptFileException">The bytes' SHA-256 differs from the one they carry.</exception>
    public static ParameterSet Read(ReadOnlySpan<byte> bytes, string file)
    {
        int offset = 0;
        if (bytes.Length < 16 || !bytes[..8].SequenceEqual(Magic))
        {
            throw RunStoreException.Malformed(file, "at byte 0: not a FLIP parameter file; expected the 8 bytes \"FLIPPSET\".");
        }

        offset = 8;
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
        if (version is not 1 and not CurrentVersion)
        {
            throw RunStoreException.Malformed(file, $"at byte {offset}: format version {version}; expected 1 or 2.");
        }

        if (version == CurrentVersion)
        {
            if (bytes.Length < 16 + HashLength)
            {
                throw RunStoreException.Malformed(file, $"at byte {bytes.Length}: the file ends before its 32-byte SHA-256 (file truncated?).");
            }

            ReadOnlySpan<byte> recorded = bytes[^HashLength..];
            bytes = bytes[..^HashLength];
            byte[] actual = SHA256.HashData(bytes);
            if (!actual.AsSpan().SequenceEqual(recorded))
            {
                throw CorruptFileException.HashMismatch(file, Convert.ToHexStringLower(recorded), Convert.ToHexStringLower(actual), "its last 32 bytes");
            }
        }

        offset += 4;
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
        offset += 4;
        if (count > (bytes.Length - offset) / 4)
        {
            throw RunStoreException.Malformed(file, $"at byte {offset - 4}: {count} arrays declared, more than the {bytes.Length - offset} bytes left can hold.");
        }

        var arrays = new List<ParameterArray>((int)count);
        for (int i = 0; i < count; i++)
        {
            Need(bytes, offset, 2, file, "a name length");
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[offset..]);
            offset += 2;
            Need(bytes, offset, nameLength + 2, file, "a name, element type and rank");
            string name = Encoding.UTF8.GetString(bytes.Slice(offset, nameLength));
            offset += nameLength;
            byte type = bytes[offset++];
            if (type > 2)
            {
                throw RunStoreException.Malformed(file, $"at byte {offset - 1}: array `{name}` has element type {type}; expected 0 (float32), 1 (float64) or 2 (int64).");
            }

            int rank = bytes[offset++];
            Need(bytes, offset, rank * 4, file, $"the shape of `{name}`");
            var shape = ImmutableArray.CreateBuilder<int>(rank);
            long length = 1;
            for (int d = 0; d < rank; d++)
            {
                int dimension = BinaryPrimitives.ReadInt32LittleEndian(bytes[offset..]);
                if (dimension < 0)
                {
                    throw RunStoreException.Malformed(file, $"at byte {offset}: array `{name}` has dimension {dimension}; expected ≥ 0.");
                }

                shape.Add(dimension);
                length *= dimension;
                offset += 4;
            }

            var dataType = (ParameterDataType)type;
            int elementSize = dataType == ParameterDataType.Float32 ? 4 : 8;
            if (length > (bytes.Length - offset) / elementSize)
            {
                throw RunStoreException.Malformed(file, $"at byte {offset}: array `{name}` of shape {ParameterSpec.FormatShape(shape.ToImmutable())} needs {length * elementSize} bytes, {bytes.Length - offset} are left (file truncated?).");
            }

            var spec = new ParameterSpec(name, dataType, shape.ToImmutable());
            var data = bytes.Slice(offset, (int)length * elementSize);
            offset += data.Length;
            arrays.Add(dataType switch
            {
                ParameterDataType.Float32 => ParameterArray.OwnFloat32(spec, MemoryMarshal.Cast<byte, float>(data).ToArray()),
                ParameterDataType.Float64 => ParameterArray.OwnFloat64(spec, MemoryMarshal.Cast<byte, double>(data).ToArray()),
                _ => ParameterArray.OwnInt64(spec, MemoryMarshal.Cast<byte, long>(data).ToArray()),
            });
        }

        if (offset != bytes.Length)
        {
            throw RunStoreException.Malformed(file, $"at byte {offset}: {bytes.Length - offset} bytes follow the last array; expected the end of the file.");
        }

        return ParameterSet.Create(arrays);
    }

    private static void Need(ReadOnlySpan<byte> bytes, int offset, int count, string file, string what)
    {
        if (bytes.Length - offset < count)
        {
            throw RunStoreException.Malformed(file, $"at byte {offset}: {what} needs {count} bytes, {bytes.Length - offset} are left (file truncated?).");
        }
    }
}
