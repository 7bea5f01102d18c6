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
            throw FlowerProtocolException.InvalidArray($"the array holds {DType.Name}, not {wanted.Name}");
        }

        return MemoryMarshal.Cast<byte, T>(Data.Span);
    }

    /// <summary>Copies the elements into a new .NET array, in storage order.</summary>
    /// <typeparam name="T">The .NET type of <see cref="DType"/>.</typeparam>
    /// <returns>The elements.</returns>
    /// <exception cref="FlowerProtocolException"><typeparamref name="T"/> does not match the dtype.</exception>
    public T[] ToArray<T>()
        where T : unmanaged => AsSpan<T>().ToArray();

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
