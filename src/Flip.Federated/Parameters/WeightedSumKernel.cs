using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Flip.Federated;

/// <summary>
/// The fused, blocked, SIMD weighted sum behind FedAvg: <c>out[j] = Σ_k w_k · x_k[j]</c>, reading
/// every input once. Inputs are taken four at a time per cache-sized block of the output, so the
/// output block stays in L1 while the inputs stream from memory once.
/// </summary>
internal static class WeightedSumKernel
{
    /// <summary>Elements per block: 16 KiB of output, which stays in L1 across the passes over input groups.</summary>
    internal const int BlockLength = 4096;

    /// <summary>Computes one flat range of one array for all inputs.</summary>
    internal static void Range(float[][] inputs, float[] weights, float[] output, int start, int end)
    {
        int k = inputs.Length;
        for (int blockStart = start; blockStart < end; blockStart += BlockLength)
        {
            int length = Math.Min(BlockLength, end - blockStart);
            Span<float> o = output.AsSpan(blockStart, length);
            for (int g = 0; g < k; g += 4)
            {
                bool accumulate = g > 0;
                switch (k - g)
                {
                    case 1:
                        Sum1(inputs[g].AsSpan(blockStart, length), weights[g], o, accumulate);
                        break;
                    case 2:
                        Sum2(inputs[g].AsSpan(blockStart, length), inputs[g + 1].AsSpan(blockStart, length), weights[g], weights[g + 1], o, accumulate);
                        break;
                    case 3:
                        Sum3(inputs[g].AsSpan(blockStart, length), inputs[g + 1].AsSpan(blockStart, length), inputs[g + 2].AsSpan(blockStart, length), weights[g], weights[g + 1], weights[g + 2], o, accumulate);
                        break;
                    default:
                        Sum4(inputs[g].AsSpan(blockStart, length), inputs[g + 1].AsSpan(blockStart, length), inputs[g + 2].AsSpan(blockStart, length), inputs[g + 3].AsSpan(blockStart, length), weights[g], weights[g + 1], weights[g + 2], weights[g + 3], o, accumulate);
                        break;
                }
            }
        }
    }

    // Each element is computed as ((o + x0·w0) + x1·w1) + …, the same expression in the vector body
    // and in the scalar tail and with no fused multiply-add, so the result does not depend on where
    // blocks or threads split the range.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sum1(ReadOnlySpan<float> x0, float w0, Span<float> o, bool accumulate)
    {
        ref float r0 = ref MemoryMarshal.GetReference(x0);
        ref float ro = ref MemoryMarshal.GetReference(o);
        var v0 = new Vector<float>(w0);
        int n = o.Length, width = Vector<float>.Count, i = 0;
        if (accumulate)
        {
            for (; i <= n - width; i += width)
            {
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref ro, (nuint)i) + (Vector.LoadUnsafe(ref r0, (nuint)i) * v0), ref ro, (nuint)i);
            }

            for (; i < n; i++)
            {
                o[i] = o[i] + (x0[i] * w0);
            }
        }
        else
        {
            for (; i <= n - width; i += width)
            {
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref r0, (nuint)i) * v0, ref ro, (nuint)i);
            }

            for (; i < n; i++)
            {
                o[i] = x0[i] * w0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sum2(ReadOnlySpan<float> x0, ReadOnlySpan<float> x1, float w0, float w1, Span<float> o, bool accumulate)
    {
        ref float r0 = ref MemoryMarshal.GetReference(x0);
        ref float r1 = ref MemoryMarshal.GetReference(x1);
        ref float ro = ref MemoryMarshal.GetReference(o);
        var v0 = new Vector<float>(w0);
        var v1 = new Vector<float>(w1);
        int n = o.Length, width = Vector<float>.Count, i = 0;
        if (accumulate)
        {
            for (; i <= n - width; i += width)
            {
                var s = Vector.LoadUnsafe(ref ro, (nuint)i) + (Vector.LoadUnsafe(ref r0, (nuint)i) * v0);
                s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                Vector.StoreUnsafe(s, ref ro, (nuint)i);
            }

            for (; i < n; i++)
            {
                o[i] = o[i] + (x0[i] * w0) + (x1[i] * w1);
            }
        }
        else
        {
            for (; i <= n - width; i += width)
            {
                var s = Vector.LoadUnsafe(ref r0, (nuint)i) * v0;
                s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                Vector.StoreUnsafe(s, ref ro, (nuint)i);
            }

            for (; i < n; i++)
            {
                o[i] = (x0[i] * w0) + (x1[i] * w1);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sum3(ReadOnlySpan<float> x0, ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, float w0, float w1, float w2, Span<float> o, bool accumulate)
    {
        ref float r0 = ref MemoryMarshal.GetReference(x0);
        ref float r1 = ref MemoryMarshal.GetReference(x1);
        ref float r2 = ref MemoryMarshal.GetReference(x2);
        ref float ro = ref MemoryMarshal.GetReference(o);
        var v0 = new Vector<float>(w0);
        var v1 = new Vector<float>(w1);
        var v2 = new Vector<float>(w2);
        int n = o.Length, width = Vector<float>.Count, i = 0;
        if (accumulate)
        {
            for (; i <= n - width; i += width)
            {
                var s = Vector.LoadUnsafe(ref ro, (nuint)i) + (Vector.LoadUnsafe(ref r0, (nuint)i) * v0);
                s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                Vector.StoreUnsafe(s, ref ro, (nuint)i);
            }

            for (; i < n; i++)
            {
                o[i] = o[i] + (x0[i] * w0) + (x1[i] * w1) + (x2[i] * w2);
            }
        }
        else
        {
            for (; i <= n - width; i += width)
            {
                var s = Vector.LoadUnsafe(ref r0, (nuint)i) * v0;
                s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                Vector.StoreUnsafe(s, ref ro, (nuint)i);
            }

            for (; i < n; i++)
            {
                o[i] = (x0[i] * w0) + (x1[i] * w1) + (x2[i] * w2);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sum4(ReadOnlySpan<float> x0, ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> x3, float w0, float w1, float w2, float w3, Span<float> o, bool accumulate)
    {
        ref float r0 = ref MemoryMarshal.GetReference(x0);
        ref float r1 = ref MemoryMarshal.GetReference(x1);
        ref float r2 = ref MemoryMarshal.GetReference(x2);
        ref float r3 = ref MemoryMarshal.GetReference(x3);
        ref float ro = ref MemoryMarshal.GetReference(o);
        var v0 = new Vector<float>(w0);
        var v1 = new Vector<float>(w1);
        var v2 = new Vector<float>(w2);
        var v3 = new Vector<float>(w3);
        int n = o.Length, width = Vector<float>.Count, i = 0;
        if (accumulate)
        {
            for (; i <= n - width; i += width)
            {
                var s = Vector.LoadUnsafe(ref ro, (nuint)i) + (Vector.LoadUnsafe(ref r0, (nuint)i) * v0);
                s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                s += Vector.LoadUnsafe(ref r3, (nuint)i) * v3;
                Vector.StoreUnsafe(s, ref ro, (nuint)i);
            }

            for (; i < n; i++)
            {
                o[i] = o[i] + (x0[i] * w0) + (x1[i] * w1) + (x2[i] * w2) + (x3[i] * w3);
            }
        }
        else
        {
            for (; i <= n - width; i += width)
            {
                var s = Vector.LoadUnsafe(ref r0, (nuint)i) * v0;
                s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                s += Vector.LoadUnsafe(ref r3, (nuint)i) * v3;
                Vector.StoreUnsafe(s, ref ro, (nuint)i);
            }

            for (; i < n; i++)
            {
                o[i] = (x0[i] * w0) + (x1[i] * w1) + (x2[i] * w2) + (x3[i] * w3);
            }
        }
    }
}
