using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Flip.Datasets.Samples;

/// <summary>
/// Slices packed in one file on disk, read one slice at a time, so a cohort of any size trains in bounded memory
/// (<see cref="SliceSet.OnDisk"/>); written by <see cref="SliceFileWriter"/>.
/// </summary>
/// <remarks>
/// Layout (little-endian): <c>FLIPSLC1</c> (8 bytes), channels, height, width (int32 each), 4 reserved bytes, the slice
/// count (int64), then each slice: C·H·W float32 intensities followed by H·W mask bytes (0 or 1). A slice is one
/// positional read (no shared file position), so any number of threads may read at once. The file is a working copy
/// of a run (the preprocessing cache keeps the durable per-patient entries).
/// </remarks>
public sealed class SliceFile : IDisposable
{
    /// <summary>Length of the header in bytes.</summary>
    public const int HeaderLength = 32;

    /// <summary>The largest side and channel count a slice file may declare (a damaged header never sizes a buffer beyond these).</summary>
    public const int MaxSide = 4096, MaxChannels = 64;

    internal static readonly byte[] Magic = "FLIPSLC1"u8.ToArray();

    private readonly SafeFileHandle _handle;

    private SliceFile(string path, SafeFileHandle handle, int channels, int height, int width, int count)
    {
        Path = path;
        _handle = handle;
        Channels = channels;
        Height = height;
        Width = width;
        Count = count;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Channels per slice.</summary>
    public int Channels { get; }

    /// <summary>Rows per slice.</summary>
    public int Height { get; }

    /// <summary>Columns per slice.</summary>
    public int Width { get; }

    /// <summary>Number of slices.</summary>
    public int Count { get; }

    /// <summary>Bytes of one slice on disk: its float32 intensities and its mask bytes.</summary>
    public int RecordLength => RecordLengthOf(Channels, Height, Width);

    internal static int RecordLengthOf(int channels, int height, int width) => checked((channels * height * width * sizeof(float)) + (height * width));

    /// <summary>Opens a slice file and checks its header against its length.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The open file.</returns>
    /// <exception cref="FlipException">The file is missing, not a slice file, or its length disagrees with its header (exit code 3).</exception>
    public static SliceFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (IOException e)
        {
            throw new FlipException($"slice file {path}: cannot open it ({e.Message}).", ExitCodes.BadInput, inner: e);
        }

        try
        {
            Span<byte> header = stackalloc byte[HeaderLength];
            long length = RandomAccess.GetLength(handle);
            if (length < HeaderLength || RandomAccess.Read(handle, header, 0) != HeaderLength)
            {
                throw Problem(path, 0, $"a {HeaderLength}-byte header", $"{length} bytes in all");
            }

            if (!header[..8].SequenceEqual(Magic))
            {
                throw Problem(path, 0, "the signature FLIPSLC1", "other bytes");
            }

            int channels = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            int height = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
            int width = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
            long count = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
            if (channels is < 1 or > MaxChannels || height is < 1 or > MaxSide || width is < 1 or > MaxSide)
            {
                throw Problem(path, 8, $"1–{MaxChannels} channels and sides of 1–{MaxSide}", $"{channels}×{height}×{width}");
            }

            long record = RecordLengthOf(channels, height, width);
            if (count < 0 || count > int.MaxValue || length != HeaderLength + (count * record))
            {
                throw Problem(path, 24, $"a slice count whose {record}-byte records fill the file ({length - HeaderLength} bytes after the header)", $"{count}");
            }

            return new SliceFile(path, handle, channels, height, width, (int)count);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads slice <paramref name="index"/>.</summary>
    /// <param name="index">0 ≤ index &lt; <see cref="Count"/>.</param>
    /// <param name="image">Receives C·H·W values.</param>
    /// <param name="mask">Receives H·W labels.</param>
    /// <exception cref="FlipException">The file was cut short since it was opened.</exception>
    public void Read(int index, Span<float> image, Span<long> mask)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        int values = Channels * Height * Width, plane = Height * Width, record = RecordLength;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(record);
        try
        {
            long offset = HeaderLength + ((long)index * record);
            int read = 0;
            while (read < record)
            {
                int n = RandomAccess.Read(_handle, buffer.AsSpan(read, record - read), offset + read);
                if (n == 0)
                {
                    throw Problem(Path, offset + read, $"slice {index}'s {record} bytes", "the end of the file");
                }

                read += n;
            }

            ReadOnlySpan<byte> bytes = buffer.AsSpan(0, record);
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.Cast<byte, float>(bytes[..(values * sizeof(float))]).CopyTo(image);
            }
            else
            {
                for (int i = 0; i < values; i++)
                {
                    image[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
                }
            }

            ReadOnlySpan<byte> labels = bytes.Slice(values * sizeof(float), plane);
            for (int i = 0; i < plane; i++)
            {
                mask[i] = labels[i];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();

    private static FlipException Problem(string path, long offset, string expected, string found)
        => new($"slice file {path}: at offset {offset}: expected {expected}; found {found}.", ExitCodes.BadInput);
}
