using System.Buffers;
using System.Runtime.InteropServices;

namespace Flip.Flower.Npy;

/// <summary>
/// Memory of one unmanaged type read as another (received NPY bytes as float32 values), without a copy. Its length must be a
/// whole number of <typeparamref name="TTo"/>; x64 and Arm64 read unaligned values, so the bytes may start anywhere.
/// </summary>
/// <typeparam name="TFrom">The element type of the memory wrapped.</typeparam>
/// <typeparam name="TTo">The element type it is read as.</typeparam>
internal sealed class CastMemory<TFrom, TTo> : MemoryManager<TTo>
    where TFrom : unmanaged
    where TTo : unmanaged
{
    private readonly ReadOnlyMemory<TFrom> _source;

    public CastMemory(ReadOnlyMemory<TFrom> source)
    {
        int bytes = checked(source.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<TFrom>());
        if (bytes % System.Runtime.CompilerServices.Unsafe.SizeOf<TTo>() != 0)
        {
            throw new ArgumentException($"{bytes} bytes are not a whole number of {typeof(TTo).Name} values.", nameof(source));
        }

        _source = source;
    }

    public override Span<TTo> GetSpan() => MemoryMarshal.Cast<TFrom, TTo>(MemoryMarshal.AsMemory(_source).Span);

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        MemoryHandle inner = MemoryMarshal.AsMemory(_source).Pin();
        byte* start = (byte*)inner.Pointer + ((long)elementIndex * sizeof(TTo));
        return new MemoryHandle(start, default, new Release(inner)); // disposing the handle unpins the source
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Release(MemoryHandle inner) : IPinnable
    {
        private MemoryHandle _inner = inner;

        public MemoryHandle Pin(int elementIndex) => throw new NotSupportedException();

        public void Unpin() => _inner.Dispose();
    }
}
