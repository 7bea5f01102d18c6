using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Flip.Datasets.Samples;

namespace Flip.Datasets.Preprocessing;

/// <summary>A folder of preprocessed patients, one file per patient, named by a SHA-256 of its inputs and settings.</summary>
/// <remarks>
/// An entry holds one patient's slices (float32 images, byte masks), the patient's key and label, and a
/// SHA-256 of all of that; reading recomputes the hash and refuses the entry when a byte differs.
/// Layout: <c>FLIPSMP1</c> (8 bytes), the content hash (32), then the content: key (int32 length + UTF-8),
/// label (1 byte), slices, channels, height, width (int32 each), images, masks (little-endian).
/// Entries are written to a temporary file and renamed, so a crash never leaves half an entry.
/// </remarks>
public sealed class SampleCache
{
    private const int HeaderLength = 40;
    private static readonly byte[] Magic = "FLIPSMP1"u8.ToArray();

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

    /// <summary>The file of an entry.</summary>
    /// <param name="key">A <see cref="Key"/>.</param>
    /// <returns>Its path.</returns>
    public string PathOf(string key) => Path.Combine(Folder, key[..2], key + ".samples");

    /// <summary>Reads an entry.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="patient">The patient it must belong to.</param>
    /// <param name="slices">The patient's slices, when the entry exists.</param>
    /// <returns>Whether the entry exists.</returns>
    /// <exception cref="SampleCacheException">The entry exists but is damaged or belongs to another patient.</exception>
    public bool TryRead(string key, SamplePatient patient, out SliceSet slices)
    {
        ArgumentNullException.ThrowIfNull(patient);
        string path = PathOf(key);
        slices = null!;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }

        if (bytes.Length < HeaderLength + 21 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new SampleCacheException(path, "offset 0", $"the signature FLIPSMP1 and at least {HeaderLength + 21} bytes (file has {bytes.Length})");
        }

        byte[] actual = SHA256.HashData(bytes.AsSpan(HeaderLength));
        if (!bytes.AsSpan(8, 32).SequenceEqual(actual))
        {
            throw new SampleCacheException(path, "offset 8 (content hash)",
                $"SHA-256 {Convert.ToHexStringLower(bytes.AsSpan(8, 32))} of the content, which hashes to {Convert.ToHexStringLower(actual)}: the file was changed after it was written");
        }

        var span = bytes.AsSpan(HeaderLength);
        int keyLength = BinaryPrimitives.ReadInt32LittleEndian(span);
        string storedKey = Encoding.UTF8.GetString(span.Slice(4, keyLength));
        if (storedKey != patient.Key)
        {
            throw new SampleCacheException(path, $"offset {HeaderLength + 4} (patient key)", $"patient {patient.Key}, found {storedKey}");
        }

        span = span[(4 + keyLength)..];
        bool positive = span[0] != 0;
        int count = BinaryPrimitives.ReadInt32LittleEndian(span[1..]);
        int channels = BinaryPrimitives.ReadInt32LittleEndian(span[5..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(span[9..]);
        int width = BinaryPrimitives.ReadInt32LittleEndian(span[13..]);
        span = span[17..];
        long imageCount = (long)count * channels * height * width, maskCount = (long)count * height * width;
        if (count < 0 || channels < 0 || height < 0 || width < 0 || span.Length != (imageCount * 4) + maskCount)
        {
            throw new SampleCacheException(path, "the shape fields", $"{count}×{channels}×{height}×{width} float32 images and byte masks, {(imageCount * 4) + maskCount} bytes (found {span.Length})");
        }

        var images = new float[imageCount];
        span[..(int)(imageCount * 4)].CopyTo(MemoryMarshal.AsBytes(images.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(images.AsSpan()), MemoryMarshal.Cast<float, int>(images.AsSpan()));
        }

        var masks = new long[maskCount];
        var maskBytes = span[(int)(imageCount * 4)..];
        for (int i = 0; i < masks.Length; i++)
        {
            masks[i] = maskBytes[i];
        }

        slices = new SliceSet(channels, height, width, images, masks, new int[count], [patient with { IsCsPca = positive }]);
        return true;
    }

    /// <summary>Writes an entry (temporary file, then rename).</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="slices">One patient's slices.</param>
    public void Write(string key, SliceSet slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        if (slices.Patients.Count != 1)
        {
            throw new ArgumentException($"a cache entry holds one patient's slices (got {slices.Patients.Count} patients).", nameof(slices));
        }

        byte[] keyBytes = Encoding.UTF8.GetBytes(slices.Patients[0].Key);
        int contentLength = checked(4 + keyBytes.Length + 17 + (slices.Images.Length * 4) + slices.Masks.Length);
        var bytes = new byte[HeaderLength + contentLength];
        Magic.CopyTo(bytes, 0);
        var span = bytes.AsSpan(HeaderLength);
        BinaryPrimitives.WriteInt32LittleEndian(span, keyBytes.Length);
        keyBytes.CopyTo(span[4..]);
        span = span[(4 + keyBytes.Length)..];
        span[0] = slices.Patients[0].IsCsPca ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32LittleEndian(span[1..], slices.Count);
        BinaryPrimitives.WriteInt32LittleEndian(span[5..], slices.Channels);
        BinaryPrimitives.WriteInt32LittleEndian(span[9..], slices.Height);
        BinaryPrimitives.WriteInt32LittleEndian(span[13..], slices.Width);
        span = span[17..];
        foreach (float value in slices.Images)
        {
            BinaryPrimitives.WriteSingleLittleEndian(span, value);
            span = span[4..];
        }

        for (int i = 0; i < slices.Masks.Length; i++)
        {
            span[i] = (byte)slices.Masks[i];
        }

        SHA256.HashData(bytes.AsSpan(HeaderLength), bytes.AsSpan(8, 32));
        string path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
