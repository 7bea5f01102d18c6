using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Flip.Federated;
using Flip.Flower.Npy;

namespace Flip.Flower.Records;

/// <summary>Converts between the federated core's <see cref="ParameterSet"/> and Flower's arrays, bit-exactly.</summary>
/// <remarks>
/// Flower's <c>ArrayRecord</c> built from a PyTorch <c>state_dict</c> is keyed by the state names;
/// the legacy transport's <c>Parameters</c> is an ordered list of NPY blobs without names, so the
/// receiver supplies the layout. Flower's numpy FedAvg returns int64 counters
/// (<c>num_batches_tracked</c>) as float64; with a layout they are cast back, exactly.
/// </remarks>
public static class ParameterSetRecords
{
    /// <summary>A record keyed by parameter name, in the set's order.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <returns>A new record.</returns>
    public static ArrayRecord ToArrayRecord(this ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var record = new ArrayRecord();
        foreach (ParameterArray array in parameters)
        {
            record.Add(array.Name, ToNpy(array));
        }

        return record;
    }

    /// <summary>The arrays in order, as the legacy transport's <c>Parameters</c> carries them.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <returns>One NPY array per parameter.</returns>
    public static IReadOnlyList<NpyArray> ToFlowerArrays(this ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return [.. parameters.Select(ToNpy)];
    }

    /// <summary>Reads a record keyed by parameter name; with a layout, checks it and casts to its data types.</summary>
    /// <param name="record">The record.</param>
    /// <param name="layout">The expected layout, or <see langword="null"/> to take the record as it is.</param>
    /// <returns>The parameters, in the layout's order (or the record's).</returns>
    /// <exception cref="FlowerProtocolException">A name is missing or a shape differs from the layout.</exception>
    public static ParameterSet ToParameterSet(this ArrayRecord record, ParameterLayout? layout = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (layout is null)
        {
            return ParameterSet.Create(record.Select(item => FromNpy(item.Key, item.Value, null)));
        }

        if (record.Count != layout.Count)
        {
            throw FlowerProtocolException.BadMessage("train", "ArrayRecord", $"holds {record.Count} arrays; the model has {layout.Count}");
        }

        return ParameterSet.Create(layout.Select(spec => record.TryGetValue(spec.Name, out NpyArray? array)
            ? FromNpy(spec.Name, array, spec)
            : throw FlowerProtocolException.BadMessage("train", "ArrayRecord", $"has no array '{spec.Name}'")));
    }

    /// <summary>Reads the legacy transport's ordered arrays, naming them from a layout.</summary>
    /// <param name="arrays">The arrays, in the model's order.</param>
    /// <param name="layout">The model's layout.</param>
    /// <returns>The parameters.</returns>
    /// <exception cref="FlowerProtocolException">The count or a shape differs from the layout.</exception>
    public static ParameterSet FromFlowerArrays(IReadOnlyList<NpyArray> arrays, ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        ArgumentNullException.ThrowIfNull(layout);
        if (arrays.Count != layout.Count)
        {
            throw FlowerProtocolException.BadMessage("fit", "parameters.tensors", $"holds {arrays.Count} arrays; the model has {layout.Count}");
        }

        return ParameterSet.Create(layout.Select((spec, i) => FromNpy(spec.Name, arrays[i], spec)));
    }

    private static NpyArray ToNpy(ParameterArray array)
    {
        ReadOnlySpan<int> shape = array.Shape.AsSpan();
        return array.DataType switch
        {
            // Views, not copies: a parameter set is immutable, and the encoder copies the bytes into the objects it sends.
            ParameterDataType.Float32 => NpyArray.View(array.AsFloat32(), shape),
            ParameterDataType.Float64 => NpyArray.View(array.AsFloat64(), shape),
            ParameterDataType.Int64 => NpyArray.View(array.AsInt64(), shape),
            _ => throw new NotSupportedException($"parameter `{array.Name}` has data type {array.DataType}."),
        };
    }

    private static ParameterArray FromNpy(string name, NpyArray npy, ParameterSpec? spec)
    {
        NpyArray array = npy.FortranOrder ? npy.ToCOrder() : npy;
        int[] shape = [.. array.Shape];
        if (spec is not null && !spec.Shape.AsSpan().SequenceEqual(shape))
        {
            throw FlowerProtocolException.BadMessage("train", $"array '{name}'",
                $"has shape [{string.Join(',', shape)}]; the model has {spec.ShapeText}");
        }

        ParameterDataType target = spec?.DataType ?? (array.DType.Equals(NpyDType.Int64) ? ParameterDataType.Int64
            : array.DType.Equals(NpyDType.Float64) ? ParameterDataType.Float64 : ParameterDataType.Float32);
        return target switch
        {
            // A float32 C-order update is read in place: the received bytes stay unchanged, and no copy of the model is made.
            ParameterDataType.Float32 when array.DType.Equals(NpyDType.Float32) && !array.FortranOrder =>
                ParameterArray.ViewFloat32(name, shape, new CastMemory<byte, float>(array.Data).Memory),
            ParameterDataType.Float32 => ParameterArray.Float32(name, shape, Cast(array, NpyDType.Float32).AsSpan<float>()),
            ParameterDataType.Float64 => ParameterArray.Float64(name, shape, Cast(array, NpyDType.Float64).AsSpan<double>()),
            _ => ParameterArray.Int64(name, shape, Cast(array, NpyDType.Int64).AsSpan<long>()),
        };
    }

    private static NpyArray Cast(NpyArray array, NpyDType target) => array.DType.Equals(target) ? array : array.CastTo(target);
}
