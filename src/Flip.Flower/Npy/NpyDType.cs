namespace Flip.Flower.Npy;

/// <summary>
/// A NumPy element type as Flower sends it: the NPY header's <c>descr</c> (<c>&lt;f4</c>), the
/// dtype name that goes into Flower's <c>Array.dtype</c> (<c>float32</c>) and the item size.
/// </summary>
/// <remarks>
/// Only little-endian plain numeric and bool types exist here; object, string and structured
/// dtypes are refused because Flower loads arrays with <c>allow_pickle=False</c>
/// (flower-protocol.md (d)).
/// </remarks>
public sealed class NpyDType : IEquatable<NpyDType>
{
    private NpyDType(string descr, string name, int itemSize)
    {
        Descr = descr;
        Name = name;
        ItemSize = itemSize;
    }

    /// <summary>32-bit IEEE float, <c>&lt;f4</c>.</summary>
    public static NpyDType Float32 { get; } = new("<f4", "float32", 4);

    /// <summary>64-bit IEEE float, <c>&lt;f8</c>.</summary>
    public static NpyDType Float64 { get; } = new("<f8", "float64", 8);

    /// <summary>16-bit IEEE float, <c>&lt;f2</c>.</summary>
    public static NpyDType Float16 { get; } = new("<f2", "float16", 2);

    /// <summary>Signed 64-bit integer, <c>&lt;i8</c>.</summary>
    public static NpyDType Int64 { get; } = new("<i8", "int64", 8);

    /// <summary>Signed 32-bit integer, <c>&lt;i4</c>.</summary>
    public static NpyDType Int32 { get; } = new("<i4", "int32", 4);

    /// <summary>Signed 16-bit integer, <c>&lt;i2</c>.</summary>
    public static NpyDType Int16 { get; } = new("<i2", "int16", 2);

    /// <summary>Signed 8-bit integer, <c>|i1</c>.</summary>
    public static NpyDType Int8 { get; } = new("|i1", "int8", 1);

    /// <summary>Unsigned 64-bit integer, <c>&lt;u8</c>.</summary>
    public static NpyDType UInt64 { get; } = new("<u8", "uint64", 8);

    /// <summary>Unsigned 32-bit integer, <c>&lt;u4</c>.</summary>
    public static NpyDType UInt32 { get; } = new("<u4", "uint32", 4);

    /// <summary>Unsigned 16-bit integer, <c>&lt;u2</c>.</summary>
    public static NpyDType UInt16 { get; } = new("<u2", "uint16", 2);

    /// <summary>Unsigned 8-bit integer, <c>|u1</c>.</summary>
    public static NpyDType UInt8 { get; } = new("|u1", "uint8", 1);

    /// <summary>Boolean stored as one byte 0 or 1, <c>|b1</c>.</summary>
    public static NpyDType Bool { get; } = new("|b1", "bool", 1);

    /// <summary>Every supported dtype.</summary>
    public static IReadOnlyList<NpyDType> All { get; } =
        [Float32, Float64, Float16, Int64, Int32, Int16, Int8, UInt64, UInt32, UInt16, UInt8, Bool];

    /// <summary>The NPY header <c>descr</c> text as numpy writes it, for example <c>&lt;f4</c> or <c>|u1</c>.</summary>
    public string Descr { get; }

    /// <summary>The numpy dtype name, as Flower puts it into <c>Array.dtype</c> (for example <c>float32</c>).</summary>
    public string Name { get; }

    /// <summary>Bytes per element.</summary>
    public int ItemSize { get; }

    /// <summary>Finds the dtype for an NPY <c>descr</c>; accepts numpy's spellings <c>&lt;</c>, <c>=</c> and <c>|</c> for byte order.</summary>
    /// <param name="descr">The descr text.</param>
    /// <param name="dtype">The dtype when found.</param>
    /// <returns>Whether the descr names a supported dtype.</returns>
    public static bool TryFromDescr(ReadOnlySpan<char> descr, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NpyDType? dtype)
    {
        dtype = null;
        if (descr.Length < 2)
        {
            return false;
        }

        char order = descr[0];
        ReadOnlySpan<char> kind = descr[1..];
        foreach (NpyDType candidate in All)
        {
            if (!kind.SequenceEqual(candidate.Descr.AsSpan(1)))
            {
                continue;
            }

            // numpy writes '|' for one-byte types and '<' for the rest on little-endian machines;
            // '=' (native) and '<' for one-byte types are also valid little-endian spellings.
            bool ok = order == '<' || order == '=' || (order == '|' && candidate.ItemSize == 1);
            if (ok)
            {
                dtype = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>Finds the dtype for a numpy dtype name such as <c>float32</c>.</summary>
    /// <param name="name">The dtype name.</param>
    /// <param name="dtype">The dtype when found.</param>
    /// <returns>Whether the name is supported.</returns>
    public static bool TryFromName(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NpyDType? dtype)
    {
        dtype = All.FirstOrDefault(d => d.Name == name);
        return dtype is not null;
    }

    /// <summary>The dtype matching a .NET element type.</summary>
    /// <typeparam name="T">float, double, Half, long, int, short, sbyte, ulong, uint, ushort, byte or bool.</typeparam>
    /// <returns>The dtype.</returns>
    /// <exception cref="FlowerProtocolException">The type has no NPY equivalent here.</exception>
    public static NpyDType Of<T>()
        where T : unmanaged
    {
        Type t = typeof(T);
        return t == typeof(float) ? Float32
            : t == typeof(double) ? Float64
            : t == typeof(Half) ? Float16
            : t == typeof(long) ? Int64
            : t == typeof(int) ? Int32
            : t == typeof(short) ? Int16
            : t == typeof(sbyte) ? Int8
            : t == typeof(ulong) ? UInt64
            : t == typeof(uint) ? UInt32
            : t == typeof(ushort) ? UInt16
            : t == typeof(byte) ? UInt8
            : t == typeof(bool) ? Bool
            : throw FlowerProtocolException.InvalidArray($"element type {t.Name} has no NumPy dtype");
    }

    /// <inheritdoc/>
    public bool Equals(NpyDType? other) => other is not null && other.Descr == Descr;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as NpyDType);

    /// <inheritdoc/>
    public override int GetHashCode() => Descr.GetHashCode(StringComparison.Ordinal);

    /// <summary>The numpy dtype name.</summary>
    /// <returns><see cref="Name"/>.</returns>
    public override string ToString() => Name;
}
