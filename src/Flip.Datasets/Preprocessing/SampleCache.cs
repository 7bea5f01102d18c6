using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Flip.Datasets.Samples;

namespace Flip.Datasets.Preprocessing;

/// <summary>A folder of preprocessed patients, one file per patient, named by a SHA-256 of its inputs and settings.</summary>
/// <remarks>
/// An entry holds one patient's samples — 2D slices or one 3D crop — (float32 images, byte masks), the
/// patient's key and label, and a SHA-256 of all of that; reading recomputes the hash and refuses the
/// entry when a byte differs. Layout: <c>FLIPSMP2</c> (8 bytes), the content hash (32), then the
/// content: kind (1 byte: 1 = slices, 2 = crop), key (int32 length + UTF-8), label (1 byte), then for
/// slices: slices, channels, height, width (int32 each), images, lesion masks; for a crop: channels,
/// depth, height, width, origin x, y, z (int32 each), images, lesion mask, gland mask (little-endian).
/// Version 1 entries (<c>FLIPSMP1</c>, slices only) have other keys, so they are never read.
/// Entries are written to a temporary file and renamed, so a crash never leaves half an entry.
/// </remarks>
public sealed class SampleCache
{
    /// <summary>The entry format's version; part of every key, so entries of another version are never read.</summary>
    public const int FormatVersion = 2;

    private const int HeaderLength = 40;
    private const byte SlicesKind = 1, CropKind = 2;
    private static readonly byte[] Magic = "FLIPSMP2"u8.ToArray();

    /// <summary>Opens (and creates) a cache folder.</summary>
    /// <param name="folder">The folder.</param>
    public SampleCache(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(Folder);
    }

    /// <summary>The cache folder.</summary>
    public string Folder { get; }

    /// <summary>The cache key: SHA-256 (hex) of the patient's key, the identity of its source files and the settings.</summary>
    /// <param name="patientKey">Pseudonymous patient key.</param>
    /// <param name="sourceIdentity">What identifies the source images (e.g. <see cref="SourceIdentity.OfFiles"/>); changes when they change.</param>
    /// <param name="settings">The preprocessing settings.</param>
    /// <returns>64 lower-case hex digits.</returns>
    public static string Key(string patientKey, string sourceIdentity, PreprocessingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string text = $"{patientKey}\n{sourceIdentity}\n{settings.CacheText()}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The file of an entry: <c>&lt;folder&gt;/&lt;first two digits&gt;/&lt;key&gt;.samples</c>.</summary>
    /// <param name="key">A <see cref="Key"/>.</param>
    /// <returns>Its path, inside <see cref="Folder"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not 64 lower-case hex digits (so it could name a path outside the folder).</exception>
    public string PathOf(string key)
    {
        if (key is not { Length: 64 } || !key.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"a sample cache key is 64 lower-case hex digits (SampleCache.Key); got {key?.Length ?? 0} characters.", nameof(key));
        }

        return CachePath.Below(Folder, key[..2], key + ".samples")!;
    }

    /// <summary>Reads an entry of 2D slices.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="patient">The patient it must belong to.</param>
    /// <param name="slices">The patient's slices, when the entry exists.</param>
    /// <returns>Whether the entry exists.</returns>
    /// <exception cref="SampleCacheException">The entry exists but is damaged, holds a crop, or belongs to another patient.</exception>
    public bool TryRead(string key, SamplePatient patient, out SliceSet slices)
    {
        slices = null!;
        if (!TryReadEntry(key, patient, SlicesKind, out string path, out SamplePatient stored, out byte[] bytes, out int at))
        {
            return false;
        }

        var span = bytes.AsSpan(at);
        int count = BinaryPrimitives.ReadInt32LittleEndian(span);
        int channels = BinaryPrimitives.ReadInt32LittleEndian(span[4..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        int width = BinaryPrimitives.ReadInt32LittleEndian(span[12..]);
        span = span[16..];
        long imageCount = (long)count * channels * height * width, maskCount = (long)count * height * width;
        if (count < 0 || channels < 0 || height < 0 || width < 0 || span.Length != (imageCount * 4) + maskCount)
        {
            throw new SampleCacheException(path, "the shape fields", $"{count}×{channels}×{height}×{width} float32 images and byte masks, {(imageCount * 4) + maskCount} bytes (found {span.Length})");
        }

        float[] images = ReadFloats(span, imageCount);
        var masks = new long[maskCount];
        var maskBytes = span[(int)(imageCount * 4)..];
        for (int i = 0; i < masks.Length; i++)
        {
            masks[i] = maskBytes[i];
        }

        slices = new SliceSet(channels, height, width, images, masks, new int[count], [stored]);
        return true;
    }

    /// <summary>Reads an entry of one 3D crop.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="patient">The patient it must belong to.</param>
    /// <param name="crop">The patient's crop, when the entry exists.</param>
    /// <returns>Whether the entry exists.</returns>
    /// <exception cref="SampleCacheException">The entry exists but is damaged, holds slices, or belongs to another patient.</exception>
    public bool TryReadCrop(string key, SamplePatient patient, out CropSet crop)
    {
        crop = null!;
        if (!TryReadEntry(key, patient, CropKind, out string path, out SamplePatient stored, out byte[] bytes, out int at))
        {
            return false;
        }

        var span = bytes.AsSpan(at);
        if (span.Length < 28)
        {
            throw new SampleCacheException(path, $"offset {at} (crop shape)", $"7 int32 shape and origin fields (28 bytes; found {span.Length})");
        }

        int channels = BinaryPrimitives.ReadInt32LittleEndian(span);
        int depth = BinaryPrimitives.ReadInt32LittleEndian(span[4..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        int width = BinaryPrimitives.ReadInt32LittleEndian(span[12..]);
        var origin = (BinaryPrimitives.ReadInt32LittleEndian(span[16..]), BinaryPrimitives.ReadInt32LittleEndian(span[20..]), BinaryPrimitives.ReadInt32LittleEndian(span[24..]));
        span = span[28..];
        long voxels = (long)depth * height * width, imageCount = channels * voxels;
        if (channels < 0 || depth < 0 || height < 0 || width < 0 || span.Length != (imageCount * 4) + (2 * voxels))
        {
            throw new SampleCacheException(path, $"offset {at} (crop shape)", $"{channels}×{depth}×{height}×{width} float32 images and two byte masks, {(imageCount * 4) + (2 * voxels)} bytes (found {span.Length})");
        }

        float[] images = ReadFloats(span, imageCount);
        span = span[(int)(imageCount * 4)..];
        crop = new CropSet(channels, depth, height, width, images, span[..(int)voxels].ToArray(), span[(int)voxels..].ToArray(), [origin], [stored]);
        return true;
    }

    /// <summary>Writes an entry of 2D slices (temporary file, then rename).</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="slices">One patient's slices.</param>
    public void Write(string key, SliceSet slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        if (slices.Patients.Count != 1)
        {
            throw new ArgumentException($"a cache entry holds one patient's slices (got {slices.Patients.Count} patients).", nameof(slices));
        }

        WriteEntry(key, SlicesKind, slices.Patients[0], [slices.Count, slices.Channels, slices.Height, slices.Width], slices.Images,
            [.. slices.Masks.Select(m => (byte)m)]);
    }

    /// <summary>Writes an entry of one 3D crop (temporary file, then rename).</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="crop">One patient's crop.</param>
    public void Write(string key, CropSet crop)
    {
        ArgumentNullException.ThrowIfNull(crop);
        if (crop.Count != 1)
        {
            throw new ArgumentException($"a cache entry holds one patient's crop (got {crop.Count} patients).", nameof(crop));
        }

        var (x, y, z) = crop.Origins[0];
        WriteEntry(key, CropKind, crop.Patients[0], [crop.Channels, crop.Depth, crop.Height, crop.Width, x, y, z], crop.Images, [.. crop.Lesion, .. crop.Gland]);
    }

    /// <summary>Reads and checks an entry's signature, hash, kind and patient; <paramref name="at"/> is where its kind-specific fields start.</summary>
    private bool TryReadEntry(string key, SamplePatient patient, byte kind, out string path, out SamplePatient stored, out byte[] bytes, out int at)
    {
        ArgumentNullException.ThrowIfNull(patient);
        path = PathOf(key);
        stored = patient;
        at = 0;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            bytes = [];
            return false;
        }

        const int Fixed = HeaderLength + 1 + 4 + 1;
        if (bytes.Length < Fixed || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new SampleCacheException(path, "offset 0", $"the signature FLIPSMP2 and at least {Fixed} bytes (file has {bytes.Length})");
        }

        byte[] actual = SHA256.HashData(bytes.AsSpan(HeaderLength));
        if (!bytes.AsSpan(8, 32).SequenceEqual(actual))
        {
            throw new SampleCacheException(path, "offset 8 (content hash)",
                $"SHA-256 {Convert.ToHexStringLower(bytes.AsSpan(8, 32))} of the content, which hashes to {Convert.ToHexStringLower(actual)}: the file was changed after it was written");
        }

        if (bytes[HeaderLength] != kind)
        {
            throw new SampleCacheException(path, $"offset {HeaderLength} (kind)", $"{(kind == CropKind ? "a 3D crop (2)" : "2D slices (1)")}, found {bytes[HeaderLength]}");
        }

        int keyLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(HeaderLength + 1));
        if (keyLength < 0 || keyLength > bytes.Length - Fixed)
        {
            throw new SampleCacheException(path, $"offset {HeaderLength + 1} (patient key length)", $"a length up to {bytes.Length - Fixed} bytes, found {keyLength}");
        }

        string storedKey = Encoding.UTF8.GetString(bytes, HeaderLength + 5, keyLength);
        if (storedKey != patient.Key)
        {
            throw new SampleCacheException(path, $"offset {HeaderLength + 5} (patient key)", $"patient {patient.Key}, found {storedKey}");
        }

        at = HeaderLength + 5 + keyLength;
        stored = patient with { IsCsPca = bytes[at] != 0 };
        at++;
        return true;
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> span, long count)
    {
        var values = new float[count];
        span[..(int)(count * 4)].CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(values.AsSpan()), MemoryMarshal.Cast<float, int>(values.AsSpan()));
        }

        return values;
    }

    private void WriteEntry(string key, byte kind, SamplePatient patient, ReadOnlySpan<int> fields, float[] images, byte[] masks)
    {
        byte[] keyBytes = Encoding.UTF8.GetBytes(patient.Key);
        int contentLength = checked(1 + 4 + keyBytes.Length + 1 + (fields.Length * 4) + (images.Length * 4) + masks.Length);
        var bytes = new byte[HeaderLength + contentLength];
        Magic.CopyTo(bytes, 0);
        var span = bytes.AsSpan(HeaderLength);
        span[0] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(span[1..], keyBytes.Length);
        keyBytes.CopyTo(span[5..]);
        span = span[(5 + keyBytes.Length)..];
        span[0] = patient.IsCsPca ? (byte)1 : (byte)0;
        span = span[1..];
        foreach (int field in fields)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span, field);
            span = span[4..];
        }

        foreach (float value in images)
        {
            BinaryPrimitives.WriteSingleLittleEndian(span, value);
            span = span[4..];
        }

        masks.CopyTo(span);
        SHA256.HashData(bytes.AsSpan(HeaderLength), bytes.AsSpan(8, 32));
        string path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
