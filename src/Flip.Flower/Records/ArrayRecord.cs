using Flip.Flower.Npy;

namespace Flip.Flower.Records;

/// <summary>Named arrays in order — a model's parameters (Flower's <c>ArrayRecord</c>; keys <c>"0"</c>, <c>"1"</c>, … for a plain list, state-dict names for PyTorch peers).</summary>
public sealed class ArrayRecord : KeyedRecord<NpyArray>
{
    /// <summary>Creates an empty record.</summary>
    public ArrayRecord()
    {
    }

    /// <summary>Creates a record keyed <c>"0"</c>, <c>"1"</c>, … as Flower does for a list of arrays.</summary>
    /// <param name="arrays">The arrays in order.</param>
    /// <returns>The record.</returns>
    public static ArrayRecord FromList(IEnumerable<NpyArray> arrays)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        var record = new ArrayRecord();
        int i = 0;
        foreach (NpyArray a in arrays)
        {
            record.Add((i++).ToString(System.Globalization.CultureInfo.InvariantCulture), a);
        }

        return record;
    }
}
