using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Flip.Flower.Npy;

/// <summary>
/// One array as Flower carries it: dtype, shape, memory order and the raw little-endian element
/// bytes (the NPY data section). It is the only array type in <c>Flip.Flower</c>; an adapter to
/// another array type converts to and from this.
/// </summary>
/// <remarks>
/// Treat it as immutable: <see cref="Data"/> may share memory with the buffer it was decoded from
/// (<see cref="NpyCodec.DecodeShared"/>). Elements are stored in C (row-major) order unless
/// <see cref="FortranOrder"/> is set, exactly as in the NPY file.
/// </remarks>
public sealed class NpyArray
{
    private NpyArray(NpyDType dtype, ImmutableArray<int> shape, bool fortranOrder, ReadOnlyMemory<byte> data, long elementCount)
    {
        DType = dtype;
        Shape = shape;
        FortranOrder = fortranOrder;
        Data = data;
        ElementCount = elementCount;
    }

    /// <summary>The element type.</summary>
    public NpyDType DType { get; }

    /// <summary>The dimensions; empty for a scalar (shape <c>()</c>).</summary>
    public ImmutableArray<int> Shape { get; }

    /// <summary>Whether <see cref="Data"/> is in Fortran (column-major) order.</summary>
    /// <value><see langword="false"/> (C order) for everything Flower's PyTorch peers send.</value>
    public bool FortranOrder { get; }

    /// <summary>The element bytes, little-endian, <see cref="ElementCount"/> × item size long.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>Creates an array over existing element bytes (not copied).</summary>
    /// <param name="dtype">Element type.</param>
    /// <param name="shape">Dimensions, each ≥ 0; empty for a scalar.</param>
    /// <param name="data">Element bytes, little-endian; length must be the element count × item size.</param>
    /// <param name="fortranOrder">Whether the bytes are in column-major order.</param>
    /// <returns>The array.</returns>
    /// <exception cref="FlowerProtocolException">A negative dimension or a data length that does not match.</exception>
    public static NpyArray Create(NpyDType dtype, ReadOnlySpan<int> shape, ReadOnlyMemory<byte> data, bool fortranOrder = false)
    {
        ArgumentNullException.ThrowIfNull(dtype);
        long count = CountElements(shape);
        long expected = count * dtype.ItemSize;
        if (data.Length != expected)
        {
            throw FlowerProtocolException.InvalidArray(
                $"{data.Length} data bytes for dtype {dtype.Name} and shape ({string.Join(", ", shape.ToArray())}); expected {expected}");
        }

        return new NpyArray(dtype, [.. shape], fortranOrder, data, count);
    }

    /// <summary>Creates a C-order array over <paramref name="values"/>' memory (not copied); the caller must not change them while the array is used.</summary>
    /// <typeparam name="T">A .NET element type with an NPY dtype (see <see cref="NpyDType.Of{T}"/>).</typeparam>
    /// <param name="values">The elements in C order.</param>
    /// <param name="shape">Dimensions; empty for a scalar.</param>
    /// <returns>The array.</returns>
    /// <exception cref="FlowerProtocolException">The element count does not match the shape.</exception>
    public static NpyArray View<T>(ReadOnlyMemory<T> values, params ReadOnlySpan<int> shape)
        where T : unmanaged =>
        Create(NpyDType.Of<T>(), shape, new CastMemory<T, byte>(values).Memory);

    /// <summary>Creates a C-order array holding a copy of <paramref name="values"/>.</summary>
    /// <typeparam name="T">A .NET element type with an NPY dtype (see <see cref="NpyDType.Of{T}"/>).</typeparam>
    /// <param name="values">The elements in C order.</param>
    /// <param name="shape">Dimensions; empty for a scalar.</param>
    /// <returns>The array.</returns>
    /// <exception cref="FlowerProtocolException">The element count does not match the shape.</exception>
    public static NpyArray FromValues<T>(ReadOnlySpan<T> values, params ReadOnlySpan<int> shape)
        where T : unmanaged
    {
        byte[] bytes = MemoryMarshal.AsBytes(values).ToArray();
        return Create(NpyDType.Of<T>(), shape, bytes);
    }

    /// <summary>The elements viewed as <typeparamref name="T"/>, in storage order (no copy).</summary>
    /// <typeparam name="T">The .NET type of <see cref="DType"/>.</typeparam>
    /// <returns>A read-only span over <see cref="Data"/>.</returns>
    /// <exception cref="FlowerProtocolException"><typeparamref name="T"/> does not match the dtype.</exception>
    public ReadOnlySpan<T> AsSpan<T>()
        where T : unmanaged
    {
        NpyDType wanted = NpyDType.Of<T>();
        if (!wanted.Equals(DType))
        {
            throw FlowerProtocolException.WrongElementType(DType.Name, wanted.Name);
        }

        return MemoryMarshal.Cast<byte, T>(Data.Span);
    }

    /// <summary>Copies the elements into a new .NET array, in storage order.</summary>
    /// <typeparam name="T">The .NET type of <see cref="DType"/>.</typeparam>
    /// <returns>The elements.</returns>
    /// <exception cref="FlowerProtocolException"><typeparamref name="T"/> does not match the dtype.</exception>
    public T[] ToArray<T>()
        where T : unmanaged => AsSpan<T>().ToArray();

    /// <summary>
    /// Converts the elements to another numeric dtype, keeping shape and order; float to integer
    /// rounds half to even (numpy's <c>np.rint</c>) and saturates at the integer range.
    /// </summary>
    /// <param name="target">The dtype wanted.</param>
    /// <returns>This array when the dtype is already <paramref name="target"/>, otherwise a converted copy.</returns>
    /// <exception cref="FlowerProtocolException">A dtype other than float16/32/64, int8/16/32/64, uint8/16/32/64 or bool.</exception>
    /// <remarks>
    /// Flower's FedAvg averages integer entries such as BatchNorm's <c>num_batches_tracked</c> and
    /// sends them back as float64 from round 2 on (flower-protocol.md (f)); a node converts them
    /// back to its own dtype with this.
    /// </remarks>
    public NpyArray CastTo(NpyDType target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Equals(DType))
        {
            return this;
        }

        long n = ElementCount;
        double[] values = new double[n];
        ReadOnlySpan<byte> src = Data.Span;
        for (long i = 0; i < n; i++)
        {
            values[i] = Read(DType, src, (int)i);
        }

        byte[] bytes = new byte[n * target.ItemSize];
        for (long i = 0; i < n; i++)
        {
            Write(target, bytes, (int)i, values[i]);
        }

        return new NpyArray(target, Shape, FortranOrder, bytes, n);
    }

    private static double Read(NpyDType t, ReadOnlySpan<byte> s, int i) => t.Name switch
    {
        "float32" => MemoryMarshal.Cast<byte, float>(s)[i],
        "float64" => MemoryMarshal.Cast<byte, double>(s)[i],
        "float16" => (double)MemoryMarshal.Cast<byte, Half>(s)[i],
        "int64" => MemoryMarshal.Cast<byte, long>(s)[i],
        "int32" => MemoryMarshal.Cast<byte, int>(s)[i],
        "int16" => MemoryMarshal.Cast<byte, short>(s)[i],
        "int8" => (sbyte)s[i],
        "uint64" => MemoryMarshal.Cast<byte, ulong>(s)[i],
        "uint32" => MemoryMarshal.Cast<byte, uint>(s)[i],
        "uint16" => MemoryMarshal.Cast<byte, ushort>(s)[i],
        "uint8" => s[i],
        "bool" => s[i] != 0 ? 1 : 0,
        _ => throw FlowerProtocolException.InvalidArray($"cannot convert from {t.Name}"),
    };

    private static void Write(NpyDType t, Span<byte> d, int i, double v)
    {
        double r = Math.Round(v, MidpointRounding.ToEven);
        switch (t.Name)
        {
            case "float32": MemoryMarshal.Cast<byte, float>(d)[i] = (float)v; break;
            case "float64": MemoryMarshal.Cast<byte, double>(d)[i] = v; break;
            case "float16": MemoryMarshal.Cast<byte, Half>(d)[i] = (Half)v; break;
            case "int64": MemoryMarshal.Cast<byte, long>(d)[i] = (long)Math.Clamp(r, long.MinValue, long.MaxValue); break;
            case "int32": MemoryMarshal.Cast<byte, int>(d)[i] = (int)Math.Clamp(r, int.MinValue, int.MaxValue); break;
            case "int16": MemoryMarshal.Cast<byte, short>(d)[i] = (short)Math.Clamp(r, short.MinValue, short.MaxValue); break;
            case "int8": d[i] = (byte)(sbyte)Math.Clamp(r, sbyte.MinValue, sbyte.MaxValue); break;
            case "uint64": MemoryMarshal.Cast<byte, ulong>(d)[i] = (ulong)Math.Clamp(r, 0, ulong.MaxValue); break;
            case "uint32": MemoryMarshal.Cast<byte, uint>(d)[i] = (uint)Math.Clamp(r, 0, uint.MaxValue); break;
            case "uint16": MemoryMarshal.Cast<byte, ushort>(d)[i] = (ushort)Math.Clamp(r, 0, ushort.MaxValue); break;
            case "uint8": d[i] = (byte)Math.Clamp(r, 0, byte.MaxValue); break;
            case "bool": d[i] = v != 0 ? (byte)1 : (byte)0; break;
            default: throw FlowerProtocolException.InvalidArray($"cannot convert to {t.Name}");
        }
    }

    /// <summary>The same array with its elements in C (row-major) order, as most .NET code expects them.</summary>
    /// <returns>This array when it is already in C order, otherwise a reordered copy with <see cref="FortranOrder"/> false.</returns>
    public NpyArray ToCOrder()
    {
        if (!FortranOrder)
        {
            return this;
        }

        int rank = Shape.Length;
        int item = DType.ItemSize;
        byte[] result = new byte[Data.Length];
        ReadOnlySpan<byte> source = Data.Span;

        // Strides (in elements) of the Fortran layout: the first axis varies fastest.
        long[] fortranStride = new long[rank];
        long stride = 1;
        for (int axis = 0; axis < rank; axis++)
        {
            fortranStride[axis] = stride;
            stride *= Shape[axis];
        }

        int[] index = new int[rank];
        for (long c = 0; c < ElementCount; c++)
        {
            long f = 0;
            for (int axis = 0; axis < rank; axis++)
            {
                f += index[axis] * fortranStride[axis];
            }

            source.Slice((int)(f * item), item).CopyTo(result.AsSpan((int)(c * item), item));

            // Advance the C-order index: the last axis varies fastest.
            for (int axis = rank - 1; axis >= 0; axis--)
            {
                if (++index[axis] < Shape[axis])
                {
                    break;
                }

                index[axis] = 0;
            }
        }

        return new NpyArray(DType, Shape, false, result, ElementCount);
    }

    /// <summary>Whether two arrays have the same dtype, shape, order and bytes.</summary>
    /// <param name="other">The other array.</param>
    /// <returns><see langword="true"/> when bit-identical.</returns>
    public bool ContentEquals(NpyArray other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return DType.Equals(other.DType)
            && Shape.AsSpan().SequenceEqual(other.Shape.AsSpan())
            && FortranOrder == other.FortranOrder
            && Data.Span.SequenceEqual(other.Data.Span);
    }

    /// <summary>A short description without any element values (arrays may hold model weights; never log values).</summary>
    /// <returns>For example <c>float32[2, 2]</c>.</returns>
    public override string ToString() => $"{DType.Name}[{string.Join(", ", Shape)}]{(FortranOrder ? " (Fortran order)" : string.Empty)}";

    internal static long CountElements(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw FlowerProtocolException.InvalidArray($"dimension {d} is negative");
            }

            count = checked(count * d);
        }

        return count;
    }

    internal static NpyArray CreateTrusted(NpyDType dtype, ImmutableArray<int> shape, bool fortranOrder, ReadOnlyMemory<byte> data, long count) =>
        new(dtype, shape, fortranOrder, data, count);
}
