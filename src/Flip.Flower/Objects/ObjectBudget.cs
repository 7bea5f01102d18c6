using Flip.Flower.Npy;
using Flip.Flower.Records;

namespace Flip.Flower.Objects;

/// <summary>
/// What a peer may make this side hold for one message: bytes uploaded or rebuilt, objects announced, arrays named.
/// Checked before anything is stored or allocated, so a message costs at most this much whatever its tree says.
/// </summary>
/// <remarks>
/// A Fleet server derives each reply's budget from the instruction it answers (<see cref="ForReplyTo"/>): a reply to a
/// model carries at most that model, in any numeric dtype of up to 8 bytes. Repeated chunks and aliased arrays are
/// Flower's own (an array of zeros repeats one chunk; equal arrays share one object id), so they are allowed, but they
/// are counted: an array is rebuilt once however many names it has, and its declared shape must match its chunks.
/// </remarks>
public sealed record ObjectBudget
{
    /// <summary>Bytes a message without arrays may still need: records, metadata, SecAgg+ keys and shares.</summary>
    public const long RecordAllowance = 1 << 20;

    /// <summary>Objects a message without arrays may still need (message, record dict, config and metric records).</summary>
    public const int ObjectAllowance = 64;

    /// <summary>NPY header bytes allowed per array (numpy writes 64 or 128).</summary>
    public const int HeaderAllowance = 4096;

    /// <summary>Largest item size of a dtype a reply may use (float64, int64).</summary>
    private const int LargestItemSize = 8;

    /// <summary>No limit: for messages this side wrote itself.</summary>
    public static ObjectBudget Unlimited { get; } = new() { MaxBytes = long.MaxValue, MaxObjects = int.MaxValue, MaxArrays = int.MaxValue };

    /// <summary>The most bytes: the sum of the distinct objects' contents, and separately the sum of the distinct arrays' NPY bytes rebuilt from their chunks.</summary>
    /// <value>1 GiB.</value>
    public long MaxBytes { get; init; } = 1L << 30;

    /// <summary>The most distinct objects in the message's tree.</summary>
    /// <value>100,000.</value>
    public int MaxObjects { get; init; } = 100_000;

    /// <summary>The most array names over all its array records.</summary>
    /// <value>100,000.</value>
    public int MaxArrays { get; init; } = 100_000;

    /// <summary>The budget of a reply to a message with this content: its arrays' elements at up to 8 bytes each, their chunks, plus the allowances.</summary>
    /// <param name="instruction">The instruction's content.</param>
    /// <param name="maxBytes">A lower limit on bytes set by the operator (<c>--max-update-bytes</c>), or <see langword="null"/>.</param>
    /// <returns>The budget.</returns>
    public static ObjectBudget ForReplyTo(RecordDict instruction, long? maxBytes = null)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        long bytes = RecordAllowance;
        long objects = ObjectAllowance;
        long arrays = 16;
        foreach ((_, FlowerRecord record) in instruction)
        {
            if (record is not ArrayRecord arrayRecord)
            {
                continue;
            }

            objects++;
            foreach ((_, NpyArray array) in arrayRecord)
            {
                long npy = (array.ElementCount * LargestItemSize) + HeaderAllowance;
                bytes += npy;
                objects += 1 + ((npy + ObjectCodec.MaxChunkSize - 1) / ObjectCodec.MaxChunkSize);
                arrays++;
            }
        }

        return new ObjectBudget
        {
            MaxBytes = maxBytes is { } limit ? Math.Min(limit, bytes) : bytes,
            MaxObjects = (int)Math.Min(objects, int.MaxValue),
            MaxArrays = (int)Math.Min(arrays, int.MaxValue),
        };
    }
}
