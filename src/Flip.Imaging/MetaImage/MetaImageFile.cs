using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.MetaImage;

/// <summary>Reads and writes ITK MetaImage files (<c>.mha</c> with inline data, <c>.mhd</c> with a separate <c>.raw</c>/<c>.zraw</c>) as <see cref="Volume"/>s.</summary>
/// <remarks>
/// MetaIO format (ITK): a text header of <c>Key = Value</c> lines ending with ElementDataFile.
/// MetaImage space is LPS like <see cref="Volume"/> (ITK's convention): Offset is the first voxel's
/// centre, ElementSpacing the spacing, and TransformMatrix lists the direction of each index axis in
/// turn (ITK writes direction column i as elements 3i..3i+2). CompressedData = True means zlib.
/// Written files are float32 (MET_FLOAT), atomically.
/// </remarks>
public static class MetaImageFile
{
    /// <summary>Reads a .mha or .mhd file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The volume.</returns>
    /// <exception cref="MetaImageFormatException">The header or data is invalid.</exception>
    public static Volume Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = File.ReadAllBytes(path);
        var (header, dataStart) = ReadHeader(bytes, path);
        string Get(string key) => header.TryGetValue(key, out var v) ? v : throw MetaImageFormatException.MissingKey(path, key);

        if (!int.TryParse(Get("NDims"), CultureInfo.InvariantCulture, out int ndims) || ndims is < 2 or > 3)
            throw MetaImageFormatException.BadValue(path, "NDims", Get("NDims"), "2 or 3");
        var size = Numbers(path, "DimSize", Get("DimSize"), ndims).Select(d => (int)d).ToArray();
        if (size.Any(s => s < 1)) throw MetaImageFormatException.BadValue(path, "DimSize", Get("DimSize"), "sizes of at least 1");
        var spacing = header.TryGetValue("ElementSpacing", out var sp) ? Numbers(path, "ElementSpacing", sp, ndims)
            : header.TryGetValue("ElementSize", out var es) ? Numbers(path, "ElementSize", es, ndims) : Enumerable.Repeat(1.0, ndims).ToArray();
        var offset = header.TryGetValue("Offset", out var o) ? Numbers(path, "Offset", o, ndims)
            : header.TryGetValue("Origin", out var og) ? Numbers(path, "Origin", og, ndims)
            : header.TryGetValue("Position", out var ps) ? Numbers(path, "Position", ps, ndims) : new double[ndims];
        var matrix = header.TryGetValue("TransformMatrix", out var tm) ? Numbers(path, "TransformMatrix", tm, ndims * ndims)
            : header.TryGetValue("Rotation", out var rot) ? Numbers(path, "Rotation", rot, ndims * ndims)
            : header.TryGetValue("Orientation", out var ori) ? Numbers(path, "Orientation", ori, ndims * ndims) : null;
        if (header.TryGetValue("ElementNumberOfChannels", out var ch) && ch.Trim() != "1")
            throw MetaImageFormatException.BadValue(path, "ElementNumberOfChannels", ch, "1 (scalar images only)");
        bool msb = header.TryGetValue("BinaryDataByteOrderMSB", out var bo) && bo.Trim().Equals("True", StringComparison.OrdinalIgnoreCase)
            || header.TryGetValue("ElementByteOrderMSB", out var eo) && eo.Trim().Equals("True", StringComparison.OrdinalIgnoreCase);
        bool compressed = header.TryGetValue("CompressedData", out var cd) && cd.Trim().Equals("True", StringComparison.OrdinalIgnoreCase);
        var type = Get("ElementType").Trim();
        int bytesPer = type switch
        {
            "MET_UCHAR" or "MET_CHAR" => 1,
            "MET_SHORT" or "MET_USHORT" => 2,
            "MET_INT" or "MET_UINT" or "MET_FLOAT" => 4,
            "MET_LONG" or "MET_ULONG" or "MET_LONG_LONG" or "MET_ULONG_LONG" or "MET_DOUBLE" => 8,
            _ => throw MetaImageFormatException.BadValue(path, "ElementType", type, "a scalar type such as MET_SHORT, MET_USHORT, MET_FLOAT or MET_DOUBLE"),
        };

        byte[] data;
        var dataFile = Get("ElementDataFile").Trim();
        if (dataFile.Equals("LOCAL", StringComparison.OrdinalIgnoreCase))
        {
            data = bytes.AsSpan(dataStart).ToArray();
        }
        else
        {
            if (dataFile.Contains('%', StringComparison.Ordinal) || dataFile.StartsWith("LIST", StringComparison.OrdinalIgnoreCase))
                throw MetaImageFormatException.BadValue(path, "ElementDataFile", dataFile, "LOCAL or one data file (file lists are not supported)");
            var dataPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", dataFile);
            try
            {
                data = File.ReadAllBytes(dataPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw MetaImageFormatException.MissingDataFile(path, dataFile, e);
            }
        }
        if (compressed)
        {
            try
            {
                using var z = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress);
                using var ms = new MemoryStream();
                z.CopyTo(ms);
                data = ms.ToArray();
            }
            catch (InvalidDataException e)
            {
                throw MetaImageFormatException.CorruptCompression(path, e);
            }
        }
        int nx = size[0], ny = size[1], nz = ndims == 3 ? size[2] : 1;
        // In double first: three sizes up to 2^31 would overflow a long.
        if ((double)nx * ny * nz * bytesPer > data.LongLength)
            throw MetaImageFormatException.DataTruncated(path, (long)Math.Min(long.MaxValue, (double)nx * ny * nz * bytesPer), data.LongLength);
        long count = (long)nx * ny * nz;
        var voxels = new float[count];
        for (long i = 0; i < count; i++)
        {
            var s = data.AsSpan((int)(i * bytesPer), bytesPer);
            if (msb && bytesPer > 1) s.Reverse();
            voxels[i] = type switch
            {
                "MET_UCHAR" => s[0],
                "MET_CHAR" => (sbyte)s[0],
                "MET_SHORT" => BinaryPrimitives.ReadInt16LittleEndian(s),
                "MET_USHORT" => BinaryPrimitives.ReadUInt16LittleEndian(s),
                "MET_INT" => BinaryPrimitives.ReadInt32LittleEndian(s),
                "MET_UINT" => BinaryPrimitives.ReadUInt32LittleEndian(s),
                "MET_FLOAT" => BinaryPrimitives.ReadSingleLittleEndian(s),
                "MET_DOUBLE" => (float)BinaryPrimitives.ReadDoubleLittleEndian(s),
                "MET_LONG" or "MET_LONG_LONG" => BinaryPrimitives.ReadInt64LittleEndian(s),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(s),
            };
        }
        Vector3D Axis(int i)
        {
            if (matrix is null) return i == 0 ? new(1, 0, 0) : i == 1 ? new(0, 1, 0) : new(0, 0, 1);
            if (ndims == 2) return i == 2 ? new(0, 0, 1) : new(matrix[i * 2], matrix[i * 2 + 1], 0);
            return new Vector3D(matrix[i * 3], matrix[i * 3 + 1], matrix[i * 3 + 2]).Normalize();
        }
        var geometry = new VolumeGeometry(nx, ny, nz,
            new Vector3D(spacing[0], spacing[1], ndims == 3 ? spacing[2] : 1),
            new Vector3D(offset[0], offset[1], ndims == 3 ? offset[2] : 0),
            new Direction3D(Axis(0), Axis(1), Axis(2)));
        if (!(geometry.SpacingMm.X > 0 && geometry.SpacingMm.Y > 0 && geometry.SpacingMm.Z > 0) || !double.IsFinite(geometry.SpacingMm.Length))
            throw MetaImageFormatException.BadValue(path, "ElementSpacing", string.Join(' ', spacing), "spacings above zero");
        return new Volume(geometry, voxels);
    }

    private static double[] Numbers(string? file, string key, string value, int count)
    {
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var result = new double[count];
        if (parts.Length < count) throw MetaImageFormatException.BadValue(file, key, value, $"{count} numbers");
        for (int i = 0; i < count; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out result[i]))
                throw MetaImageFormatException.BadValue(file, key, value, $"{count} numbers");
        return result;
    }

    private static (Dictionary<string, string> Header, int DataStart) ReadHeader(byte[] bytes, string? file)
    {
        var header = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int pos = 0;
        while (pos < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', pos);
            if (end < 0) end = bytes.Length;
            var line = Encoding.ASCII.GetString(bytes, pos, end - pos).TrimEnd('\r');
            pos = Math.Min(bytes.Length, end + 1);
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) continue;
            var key = line[..eq].Trim();
            header[key] = line[(eq + 1)..].Trim();
            if (key.Equals("ElementDataFile", StringComparison.OrdinalIgnoreCase)) return (header, pos);
            if (pos > 65536) break;
        }
        throw MetaImageFormatException.UnterminatedHeader(file);
    }

    /// <summary>Writes a volume as float32 MetaImage: inline data for <c>.mha</c>, a <c>.raw</c> (or <c>.zraw</c>) beside a <c>.mhd</c>.</summary>
    /// <param name="volume">The volume.</param>
    /// <param name="path">The file, <c>.mha</c> or <c>.mhd</c>.</param>
    /// <param name="compress">zlib-compress the voxel data.</param>
    public static void Write(Volume volume, string path, bool compress = true)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(path);
        var g = volume.Geometry;
        var raw = new byte[volume.Voxels.LongLength * 4];
        for (long i = 0; i < volume.Voxels.LongLength; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan((int)(i * 4)), volume.Voxels[i]);
        byte[] data = raw;
        if (compress)
        {
            using var ms = new MemoryStream();
            using (var z = new ZLibStream(ms, CompressionLevel.Fastest, leaveOpen: true)) z.Write(raw);
            data = ms.ToArray();
        }
        bool inline = !path.EndsWith(".mhd", StringComparison.OrdinalIgnoreCase);
        string dataName = Path.GetFileNameWithoutExtension(path) + (compress ? ".zraw" : ".raw");
        var c = CultureInfo.InvariantCulture;
        string F(double v) => v.ToString("R", c);
        var d = g.Direction;
        var sb = new StringBuilder();
        sb.Append("ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n");
        sb.Append(c, $"CompressedData = {(compress ? "True" : "False")}\n");
        if (compress) sb.Append(c, $"CompressedDataSize = {data.Length}\n");
        sb.Append(c, $"TransformMatrix = {F(d.I.X)} {F(d.I.Y)} {F(d.I.Z)} {F(d.J.X)} {F(d.J.Y)} {F(d.J.Z)} {F(d.K.X)} {F(d.K.Y)} {F(d.K.Z)}\n");
        sb.Append(c, $"Offset = {F(g.Origin.X)} {F(g.Origin.Y)} {F(g.Origin.Z)}\n");
        sb.Append("CenterOfRotation = 0 0 0\nAnatomicalOrientation = RAI\n");
        sb.Append(c, $"ElementSpacing = {F(g.SpacingMm.X)} {F(g.SpacingMm.Y)} {F(g.SpacingMm.Z)}\n");
        sb.Append(c, $"DimSize = {g.SizeX} {g.SizeY} {g.SizeZ}\n");
        sb.Append("ElementType = MET_FLOAT\n");
        sb.Append(c, $"ElementDataFile = {(inline ? "LOCAL" : dataName)}\n");
        var headerBytes = Encoding.ASCII.GetBytes(sb.ToString());
        if (inline) WriteAtomic(path, headerBytes, data);
        else
        {
            WriteAtomic(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", dataName), data, []);
            WriteAtomic(path, headerBytes, []);
        }
    }

    private static void WriteAtomic(string path, byte[] first, byte[] second)
    {
        var tmp = path + ".tmp";
        try
        {
            using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write))
            {
                f.Write(first);
                f.Write(second);
                f.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }
}
