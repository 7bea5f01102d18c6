using System.Collections.Immutable;

namespace Flip.Federated;

/// <summary>
/// One named array of a <see cref="ParameterSet"/>: a <c>state_dict</c> entry with its element type and shape.
/// Immutable: the factories copy what they are given (except the Adopt/View ones, whose callers give up writing) and the
/// accessors hand out read-only views.
/// </summary>
public sealed class ParameterArray
{
    // float32 values are memory, not an array, so that a view over received bytes can stand in for a copy (see ViewFloat32).
    private readonly ReadOnlyMemory<float> _float32;
    private readonly float[]? _float32Array; // the same values when they are a whole array: GetDouble's per-element path indexes it directly
    private readonly bool _isFloat32;
    private readonly double[]? _float64;
    private readonly long[]? _int64;

    private ParameterArray(ParameterSpec spec, float[]? float32, double[]? float64, long[]? int64)
        : this(spec, float32 is null ? default : float32.AsMemory(), float32 is not null, float64, int64)
    {
    }

    private ParameterArray(ParameterSpec spec, ReadOnlyMemory<float> float32, bool isFloat32, double[]? float64, long[]? int64)
    {
        Spec = spec;
        _float32 = float32;
        _float32Array = isFloat32 && System.Runtime.InteropServices.MemoryMarshal.TryGetArray(float32, out ArraySegment<float> whole)
            && whole.Offset == 0 && whole.Count == whole.Array!.Length ? whole.Array : null;
        _isFloat32 = isFloat32;
        _float64 = float64;
        _int64 = int64;
        int stored = isFloat32 ? float32.Length : float64?.Length ?? int64?.Length ?? 0;
        if (stored != spec.Length)
        {
            throw new ArgumentException($"Parameter `{spec.Name}` has shape {spec.ShapeText} ({spec.Length} elements) but {stored} values were given.");
        }
    }

    /// <summary>The name, element type and shape.</summary>
    public ParameterSpec Spec { get; }

    /// <summary>The array's key, e.g. <c>decoder.2.weight</c>.</summary>
    public string Name => Spec.Name;

    /// <summary>The element type.</summary>
    public ParameterDataType DataType => Spec.DataType;

    /// <summary>The dimensions, outermost first; empty for a scalar.</summary>
    public ImmutableArray<int> Shape => Spec.Shape;

    /// <summary>The number of elements.</summary>
    public int Length => Spec.Length;

    /// <summary>Creates a float32 array, copying the values.</summary>
    /// <param name="name">The key.</param>
    /// <param name="shape">The dimensions; their product must equal the number of values.</param>
    /// <param name="values">The values in C (row-major) order.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentException">The shape does not match the number of values, or the name is empty.</exception>
    public static ParameterArray Float32(string name, ReadOnlySpan<int> shape, ReadOnlySpan<float> values)
        => new(new ParameterSpec(name, ParameterDataType.Float32, [.. shape]), values.ToArray(), null, null);

    /// <summary>Creates a float32 vector (shape <c>[n]</c>), copying the values.</summary>
    /// <param name="name">The key.</param>
    /// <param name="values">The values.</param>
    /// <returns>The array.</returns>
    public static ParameterArray Float32(string name, params float[] values)
        => Float32(name, [values.Length], values);

    /// <summary>Creates a float64 array, copying the values.</summary>
    /// <param name="name">The key.</param>
    /// <param name="shape">The dimensions; their product must equal the number of values.</param>
    /// <param name="values">The values in C order.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentException">The shape does not match the number of values.</exception>
    public static ParameterArray Float64(string name, ReadOnlySpan<int> shape, ReadOnlySpan<double> values)
        => new(new ParameterSpec(name, ParameterDataType.Float64, [.. shape]), null, values.ToArray(), null);

    /// <summary>Creates an int64 array, copying the values (e.g. BatchNorm's <c>num_batches_tracked</c>, shape <c>[]</c>).</summary>
    /// <param name="name">The key.</param>
    /// <param name="shape">The dimensions; their product must equal the number of values.</param>
    /// <param name="values">The values in C order.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentException">The shape does not match the number of values.</exception>
    public static ParameterArray Int64(string name, ReadOnlySpan<int> shape, ReadOnlySpan<long> values)
        => new(new ParameterSpec(name, ParameterDataType.Int64, [.. shape]), null, null, values.ToArray());

    /// <summary>Creates an array of zeros with the given spec.</summary>
    /// <param name="spec">Name, element type and shape.</param>
    /// <returns>The array.</returns>
    public static ParameterArray Zeros(ParameterSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.DataType switch
        {
            ParameterDataType.Float32 => new(spec, new float[spec.Length], null, null),
            ParameterDataType.Float64 => new(spec, null, new double[spec.Length], null),
            _ => new(spec, null, null, new long[spec.Length]),
        };
    }

    /// <summary>
    /// Creates a float32 array that takes over <paramref name="values"/> without copying — for
    /// adapters that have just produced a fresh buffer (a tensor's data, a decoded NPY blob). The
    /// caller must not write to the buffer afterwards.
    /// </summary>
    /// <param name="name">The key.</param>
    /// <param name="shape">The dimensions; their product must equal the buffer's length.</param>
    /// <param name="values">A buffer no one else holds.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentException">The shape does not match the buffer's length.</exception>
    public static ParameterArray AdoptFloat32(string name, ReadOnlySpan<int> shape, float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new(new ParameterSpec(name, ParameterDataType.Float32, [.. shape]), values, null, null);
    }

    /// <summary>Wraps a buffer without copying; the caller gives up the buffer.</summary>
    internal static ParameterArray OwnFloat32(ParameterSpec spec, float[] values) => new(spec, values, null, null);

    /// <summary>
    /// Creates a float32 array over <paramref name="values"/> without copying — for a decoder whose buffer (a received
    /// update, say) stays unchanged for as long as the array is used. The caller must not write to it afterwards.
    /// </summary>
    /// <param name="name">The key.</param>
    /// <param name="shape">The dimensions; their product must equal the number of values.</param>
    /// <param name="values">Memory no one writes to.</param>
    /// <returns>The array.</returns>
    /// <exception cref="ArgumentException">The shape does not match the number of values.</exception>
    public static ParameterArray ViewFloat32(string name, ReadOnlySpan<int> shape, ReadOnlyMemory<float> values)
        => new(new ParameterSpec(name, ParameterDataType.Float32, [.. shape]), values, true, null, null);

    /// <summary>Wraps a buffer without copying; the caller gives up the buffer.</summary>
    internal static ParameterArray OwnFloat64(ParameterSpec spec, double[] values) => new(spec, null, values, null);

    /// <summary>Wraps a buffer without copying; the caller gives up the buffer.</summary>
    internal static ParameterArray OwnInt64(ParameterSpec spec, long[] values) => new(spec, null, null, values);

    /// <summary>The float32 values.</summary>
    /// <returns>A read-only view.</returns>
    /// <exception cref="InvalidOperationException">The array is not float32.</exception>
    public ReadOnlyMemory<float> AsFloat32() => _isFloat32 ? _float32 : throw WrongType(ParameterDataType.Float32);

    /// <summary>The float64 values.</summary>
    /// <returns>A read-only view.</returns>
    /// <exception cref="InvalidOperationException">The array is not float64.</exception>
    public ReadOnlyMemory<double> AsFloat64() => _float64 ?? throw WrongType(ParameterDataType.Float64);

    /// <summary>The int64 values.</summary>
    /// <returns>A read-only view.</returns>
    /// <exception cref="InvalidOperationException">The array is not int64.</exception>
    public ReadOnlyMemory<long> AsInt64() => _int64 ?? throw WrongType(ParameterDataType.Int64);

    /// <summary>One element widened to double, whatever the element type.</summary>
    /// <param name="index">The flat (C-order) index.</param>
    /// <returns>The value.</returns>
    public double GetDouble(int index)
        => _float32Array is not null ? _float32Array[index] : _isFloat32 ? _float32.Span[index] : _float64 is not null ? _float64[index] : _int64![index];

    /// <summary>All elements widened to double, copied into a new array.</summary>
    /// <returns>A new array of <see cref="Length"/> values.</returns>
    public double[] ToDoubleArray()
    {
        var result = new double[Length];
        if (_isFloat32)
        {
            ReadOnlySpan<float> values = _float32.Span;
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = values[i];
            }

            return result;
        }

        for (int i = 0; i < result.Length; i++)
        {
            result[i] = GetDouble(i);
        }

        return result;
    }

    /// <summary>Creates an array with this spec from doubles, narrowing to the element type (int64 rounds to nearest).</summary>
    /// <param name="values">One value per element; the buffer is not kept.</param>
    /// <returns>The new array.</returns>
    internal ParameterArray WithValues(ReadOnlySpan<double> values) => FromDoubles(Spec, values);

    /// <summary>Creates an array with a spec from doubles, narrowing to its element type (int64 rounds to nearest).</summary>
    internal static ParameterArray FromDoubles(ParameterSpec spec, ReadOnlySpan<double> values)
    {
        switch (spec.DataType)
        {
            case ParameterDataType.Float32:
                var f = new float[values.Length];
                for (int i = 0; i < f.Length; i++)
                {
                    f[i] = (float)values[i];
                }

                return new(spec, f, null, null);
            case ParameterDataType.Float64:
                return new(spec, null, values.ToArray(), null);
            default:
                var l = new long[values.Length];
                for (int i = 0; i < l.Length; i++)
                {
                    l[i] = (long)Math.Round(values[i], MidpointRounding.ToEven);
                }

                return new(spec, null, null, l);
        }
    }

    /// <summary>The same values under another name.</summary>
    /// <param name="name">The new key.</param>
    /// <returns>A new array sharing the (immutable) values.</returns>
    public ParameterArray Rename(string name)
        => new(new ParameterSpec(name, DataType, Shape), _float32, _isFloat32, _float64, _int64);

    /// <summary>Whether both arrays have the same spec and bit-identical values.</summary>
    /// <param name="other">The other array.</param>
    /// <returns><see langword="true"/> when spec and every value agree.</returns>
    public bool ContentEquals(ParameterArray other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!Spec.Equals(other.Spec))
        {
            return false;
        }

        return DataType switch
        {
            ParameterDataType.Float32 => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_float32.Span).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(other._float32.Span)),
            ParameterDataType.Float64 => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_float64.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(other._float64.AsSpan())),
            _ => _int64.AsSpan().SequenceEqual(other._int64.AsSpan()),
        };
    }

    /// <summary>The spec, e.g. <c>decoder.2.weight float32 [32,16,3,3,3]</c>.</summary>
    /// <returns>One line.</returns>
    public override string ToString() => Spec.ToString();

    private InvalidOperationException WrongType(ParameterDataType wanted)
        => new($"Parameter `{Name}` is {DataType.ToString().ToLowerInvariant()}, not {wanted.ToString().ToLowerInvariant()}.");
}
