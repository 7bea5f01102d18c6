using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.Nifti;

/// <summary>Reads and writes NIfTI-1 images (<c>.nii</c>, <c>.nii.gz</c>) as <see cref="Volume"/>s.</summary>
/// <remarks>
/// NIfTI-1 header (nifti1.h, 348 bytes). The voxel-to-world transform is taken from the sform
/// when sform_code &gt; 0, else from the qform (quaternion, qfac in pixdim[0]), else from pixdim
/// alone (method 1). NIfTI's world space is RAS; <see cref="Volume"/> is LPS, so the first two
/// rows of the affine change sign on the way in and out. Stored values become real values through
/// scl_slope and scl_inter when scl_slope ≠ 0. Written files are float32 with sform_code and
/// qform_code 1 (scanner anatomical), atomically (<c>.tmp</c>, then rename).
/// </remarks>
public static class NiftiFile
{
    private const int HeaderSize = 348;

    /// <summary>Reads a .nii or .nii.gz file (gzip is detected from its magic bytes).</summary>
    /// <param name="path">The file.</param>
    /// <param name="volumeIndex">For 4-D files, which volume (0-based).</param>
    /// <returns>The volume.</returns>
    /// <exception cref="NiftiFormatException">The file is not valid NIfTI-1.</exception>
    public static Volume Read(string path, int volumeIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllBytes(path), path, volumeIndex);
    }

    /// <summary>Parses NIfTI-1 bytes, gzip-compressed or not.</summary>
    /// <param name="bytes">The file's bytes.</param>
    /// <param name="sourceName">Name for messages.</param>
    /// <param name="volumeIndex">For 4-D files, which volume.</param>
    /// <returns>The volume.</returns>
    /// <exception cref="NiftiFormatException">The bytes are not valid NIfTI-1.</exception>
    public static Volume Parse(byte[] bytes, string? sourceName = null, int volumeIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B) bytes = Gunzip(bytes, sourceName);
        if (bytes.Length < HeaderSize) throw NiftiFormatException.TooShort(sourceName, bytes.Length);
        ReadOnlySpan<byte> h = bytes;
        int sizeofHdr = BinaryPrimitives.ReadInt32LittleEndian(h);
        bool le = sizeofHdr == HeaderSize;
        if (!le && BinaryPrimitives.ReadInt32BigEndian(h) != HeaderSize) throw NiftiFormatException.NotNifti1(sourceName, sizeofHdr);
        short I16(int at) => le ? BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(at)) : BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(at));
        float F32(int at) => le ? BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at)) : BinaryPrimitives.ReadSingleBigEndian(bytes.AsSpan(at));
        var magic = Encoding.ASCII.GetString(h.Slice(344, 3));
        if (magic is not ("n+1" or "ni1")) throw NiftiFormatException.BadMagic(sourceName, magic.Replace("\0", "\\0", StringComparison.Ordinal));

        int rank = I16(40);
        if (rank is < 1 or > 7) throw NiftiFormatException.BadField(sourceName, 40, "dim[0]", rank.ToString(System.Globalization.CultureInfo.InvariantCulture), "1 to 7");
        var dim = new int[8];
        for (int i = 1; i <= 7; i++) dim[i] = i <= rank ? I16(40 + 2 * i) : 1;
        for (int i = 1; i <= rank; i++)
            if (dim[i] < 1) throw NiftiFormatException.BadField(sourceName, 40 + 2 * i, $"dim[{i}]", dim[i].ToString(System.Globalization.CultureInfo.InvariantCulture), "at least 1");
        for (int i = 5; i <= 7; i++)
            if (dim[i] != 1) throw NiftiFormatException.BadField(sourceName, 40 + 2 * i, $"dim[{i}]", dim[i].ToString(System.Globalization.CultureInfo.InvariantCulture), "1 (5-D and more are not supported)");
        if (volumeIndex < 0 || volumeIndex >= dim[4])
            throw NiftiFormatException.BadField(sourceName, 48, "dim[4]", dim[4].ToString(System.Globalization.CultureInfo.InvariantCulture), $"more than volume index {volumeIndex}");
        short datatype = I16(70);
        int bytesPer = datatype switch
        {
            2 or 256 => 1,
            4 or 512 => 2,
            8 or 16 or 768 => 4,
            64 or 1024 or 1280 => 8,
            _ => throw NiftiFormatException.BadField(sourceName, 70, "datatype", datatype.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "a scalar type: 2 uint8, 4 int16, 8 int32, 16 float32, 64 float64, 256 int8, 512 uint16, 768 uint32, 1024 int64 or 1280 uint64"),
        };
        var pixdim = new double[8];
        for (int i = 0; i < 8; i++) pixdim[i] = F32(76 + 4 * i);
        float voxOffsetF = F32(108);
        long voxOffset = magic == "n+1" ? (long)voxOffsetF : HeaderSize;
        if (magic == "ni1") throw NiftiFormatException.BadField(sourceName, 344, "magic", "'ni1'", "'n+1': .hdr/.img pairs are not supported; convert with 'nifti_tool' or save as .nii");
        if (voxOffset < HeaderSize) throw NiftiFormatException.BadField(sourceName, 108, "vox_offset", voxOffsetF.ToString(System.Globalization.CultureInfo.InvariantCulture), "at least 348");
        long voxelsPerVolume = (long)dim[1] * dim[2] * dim[3];
        long start = voxOffset + voxelsPerVolume * bytesPer * volumeIndex;
        long needed = voxelsPerVolume * bytesPer;
        if (start > bytes.Length || needed > bytes.Length - start) throw NiftiFormatException.DataTruncated(sourceName, voxOffset, needed * (volumeIndex + 1), Math.Max(0, bytes.Length - voxOffset));

        double slope = F32(112), inter = F32(116);
        bool scale = slope != 0 && double.IsFinite(slope) && double.IsFinite(inter);
        var voxels = new float[voxelsPerVolume];
        var data = h.Slice((int)start, (int)needed);
        for (long i = 0; i < voxelsPerVolume; i++)
        {
            var s = data.Slice((int)(i * bytesPer), bytesPer);
            double v = datatype switch
            {
                2 => s[0],
                256 => (sbyte)s[0],
                4 => le ? BinaryPrimitives.ReadInt16LittleEndian(s) : BinaryPrimitives.ReadInt16BigEndian(s),
                512 => le ? BinaryPrimitives.ReadUInt16LittleEndian(s) : BinaryPrimitives.ReadUInt16BigEndian(s),
                8 => le ? BinaryPrimitives.ReadInt32LittleEndian(s) : BinaryPrimitives.ReadInt32BigEndian(s),
                768 => le ? BinaryPrimitives.ReadUInt32LittleEndian(s) : BinaryPrimitives.ReadUInt32BigEndian(s),
                16 => le ? BinaryPrimitives.ReadSingleLittleEndian(s) : BinaryPrimitives.ReadSingleBigEndian(s),
                64 => le ? BinaryPrimitives.ReadDoubleLittleEndian(s) : BinaryPrimitives.ReadDoubleBigEndian(s),
                1024 => le ? BinaryPrimitives.ReadInt64LittleEndian(s) : BinaryPrimitives.ReadInt64BigEndian(s),
                _ => le ? BinaryPrimitives.ReadUInt64LittleEndian(s) : BinaryPrimitives.ReadUInt64BigEndian(s),
            };
            voxels[i] = (float)(scale ? v * slope + inter : v);
        }

        // Voxel-to-RAS affine: columns are the i, j, k axes scaled by spacing; last column the offset.
        Vector3D ci, cj, ck, offset;
        short qformCode = I16(252), sformCode = I16(254);
        if (sformCode > 0)
        {
            Vector3D Row(int at) => new(F32(at), F32(at + 4), F32(at + 8));
            var rx = Row(280); var ry = Row(296); var rz = Row(312);
            ci = new(rx.X, ry.X, rz.X);
            cj = new(rx.Y, ry.Y, rz.Y);
            ck = new(rx.Z, ry.Z, rz.Z);
            offset = new(F32(292), F32(308), F32(324));
        }
        else if (qformCode > 0)
        {
            double b = F32(256), c = F32(260), d = F32(264);
            double a = Math.Sqrt(Math.Max(0, 1 - (b * b + c * c + d * d)));
            double qfac = pixdim[0] < 0 ? -1 : 1;
            ci = new Vector3D(a * a + b * b - c * c - d * d, 2 * b * c + 2 * a * d, 2 * b * d - 2 * a * c) * pixdim[1];
            cj = new Vector3D(2 * b * c - 2 * a * d, a * a + c * c - b * b - d * d, 2 * c * d + 2 * a * b) * pixdim[2];
            ck = new Vector3D(2 * b * d + 2 * a * c, 2 * c * d - 2 * a * b, a * a + d * d - c * c - b * b) * (pixdim[3] * qfac);
            offset = new(F32(268), F32(272), F32(276));
        }
        else
        {
            ci = new(pixdim[1], 0, 0);
            cj = new(0, pixdim[2], 0);
            ck = new(0, 0, pixdim[3]);
            offset = Vector3D.Zero;
        }
        static Vector3D ToLps(Vector3D ras) => new(-ras.X, -ras.Y, ras.Z);
        ci = ToLps(ci); cj = ToLps(cj); ck = ToLps(ck); offset = ToLps(offset);
        var spacing = new Vector3D(ci.Length, cj.Length, ck.Length);
        if (!(spacing.X > 0 && spacing.Y > 0 && spacing.Z > 0) || !double.IsFinite(spacing.Length) || !double.IsFinite(offset.Length))
            throw NiftiFormatException.BadField(sourceName, sformCode > 0 ? 280 : 80, sformCode > 0 ? "srow_x/y/z" : "pixdim", $"{spacing.X}×{spacing.Y}×{spacing.Z}", "voxel sizes above zero");
        var geometry = new VolumeGeometry(dim[1], dim[2], dim[3], spacing, offset, new Direction3D(ci.Normalize(), cj.Normalize(), ck.Normalize()));
        return new Volume(geometry, voxels);
    }

    private static byte[] Gunzip(byte[] bytes, string? sourceName)
    {
        try
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gz.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw NiftiFormatException.CorruptGzip(sourceName, e);
        }
    }

    /// <summary>Writes a volume as float32 NIfTI-1; gzip-compressed when the path ends in <c>.gz</c>.</summary>
    /// <param name="volume">The volume.</param>
    /// <param name="path">The file, <c>.nii</c> or <c>.nii.gz</c>.</param>
    public static void Write(Volume volume, string path)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(path);
        var bytes = Encode(volume);
        var tmp = path + ".tmp";
        try
        {
            using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write))
            {
                if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
                {
                    using var gz = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true);
                    gz.Write(bytes);
                }
                else
                {
                    file.Write(bytes);
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    /// <summary>Encodes a volume as uncompressed float32 NIfTI-1 bytes (header, 4 empty extension bytes, voxels).</summary>
    /// <param name="volume">The volume.</param>
    /// <returns>The bytes.</returns>
    public static byte[] Encode(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var g = volume.Geometry;
        var bytes = new byte[352 + volume.Voxels.LongLength * 4];
        var h = bytes.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(h, HeaderSize);
        h[38] = (byte)'r';
        short[] dim = [3, (short)g.SizeX, (short)g.SizeY, (short)g.SizeZ, 1, 1, 1, 1];
        if (g.SizeX > short.MaxValue || g.SizeY > short.MaxValue || g.SizeZ > short.MaxValue)
            throw new ArgumentException($"volume size {g.SizeX}×{g.SizeY}×{g.SizeZ} exceeds NIfTI-1's 32,767 per dimension.", nameof(volume));
        for (int i = 0; i < 8; i++) BinaryPrimitives.WriteInt16LittleEndian(h[(40 + 2 * i)..], dim[i]);
        BinaryPrimitives.WriteInt16LittleEndian(h[70..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(h[72..], 32);
        // Direction in RAS: negate x and y of LPS.
        static Vector3D Ras(Vector3D v) => new(-v.X, -v.Y, v.Z);
        var i0 = Ras(g.Direction.I); var j0 = Ras(g.Direction.J); var k0 = Ras(g.Direction.K);
        double det = i0.Dot(j0.Cross(k0));
        double qfac = det < 0 ? -1 : 1;
        float[] pixdim = [(float)qfac, (float)g.SpacingMm.X, (float)g.SpacingMm.Y, (float)g.SpacingMm.Z, 1, 0, 0, 0];
        for (int i = 0; i < 8; i++) BinaryPrimitives.WriteSingleLittleEndian(h[(76 + 4 * i)..], pixdim[i]);
        BinaryPrimitives.WriteSingleLittleEndian(h[108..], 352);
        BinaryPrimitives.WriteSingleLittleEndian(h[112..], 1);
        h[123] = 2 | 8; // mm and seconds
        Encoding.ASCII.GetBytes("FLIP Research").CopyTo(h[148..]);
        BinaryPrimitives.WriteInt16LittleEndian(h[252..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(h[254..], 1);
        // Quaternion of the rotation [i j qfac·k] (nifti1_io.c nifti_mat44_to_quatern).
        var k1 = k0 * qfac;
        double r11 = i0.X, r12 = j0.X, r13 = k1.X, r21 = i0.Y, r22 = j0.Y, r23 = k1.Y, r31 = i0.Z, r32 = j0.Z, r33 = k1.Z;
        double a = r11 + r22 + r33 + 1, b, c, d;
        if (a > 0.5)
        {
            a = 0.5 * Math.Sqrt(a);
            b = 0.25 * (r32 - r23) / a;
            c = 0.25 * (r13 - r31) / a;
            d = 0.25 * (r21 - r12) / a;
        }
        else
        {
            double xd = 1 + r11 - (r22 + r33), yd = 1 + r22 - (r11 + r33), zd = 1 + r33 - (r11 + r22);
            if (xd > 1) { b = 0.5 * Math.Sqrt(xd); c = 0.25 * (r12 + r21) / b; d = 0.25 * (r13 + r31) / b; a = 0.25 * (r32 - r23) / b; }
            else if (yd > 1) { c = 0.5 * Math.Sqrt(yd); b = 0.25 * (r12 + r21) / c; d = 0.25 * (r23 + r32) / c; a = 0.25 * (r13 - r31) / c; }
            else { d = 0.5 * Math.Sqrt(zd); b = 0.25 * (r13 + r31) / d; c = 0.25 * (r23 + r32) / d; a = 0.25 * (r21 - r12) / d; }
            if (a < 0) { b = -b; c = -c; d = -d; }
        }
        var origin = Ras(g.Origin);
        float[] quatern = [(float)b, (float)c, (float)d, (float)origin.X, (float)origin.Y, (float)origin.Z];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteSingleLittleEndian(h[(256 + 4 * i)..], quatern[i]);
        var ci = i0 * g.SpacingMm.X; var cj = j0 * g.SpacingMm.Y; var ck = k0 * g.SpacingMm.Z;
        double[][] srow = [[ci.X, cj.X, ck.X, origin.X], [ci.Y, cj.Y, ck.Y, origin.Y], [ci.Z, cj.Z, ck.Z, origin.Z]];
        for (int r = 0; r < 3; r++)
            for (int col = 0; col < 4; col++)
                BinaryPrimitives.WriteSingleLittleEndian(h[(280 + 16 * r + 4 * col)..], (float)srow[r][col]);
        "n+1\0"u8.CopyTo(h[344..]);
        for (long i = 0; i < volume.Voxels.LongLength; i++) BinaryPrimitives.WriteSingleLittleEndian(h[(int)(352 + i * 4)..], volume.Voxels[i]);
        return bytes;
    }
}
