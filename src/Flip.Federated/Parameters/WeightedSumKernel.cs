using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flip.Federated;

/// <summary>
/// The fused SIMD weighted sum behind FedAvg: <c>out[j] = Σ_k w_k · x_k[j]</c>. Up to eight inputs
/// are combined in a single pass (each input and the output streamed once, W3's six clients
/// included); more inputs go in groups of eight over 4,096-element blocks, so the partial sums stay
/// in L1 between groups. Large single-pass outputs are written with non-temporal (streaming) stores,
/// which skip reading the output lines into the cache first.
/// </summary>
/// <remarks>
/// Each element is computed as ((o + x₀·w₀) + x₁·w₁) + … — the same expression in the vector body,
/// the alignment peel and the scalar tail, with no fused multiply-add — so the result does not
/// depend on where blocks or threads split a range or on the store kind. Callers check lengths; the
/// kernels index without bounds checks.
/// </remarks>
internal static class WeightedSumKernel
{
    /// <summary>Inputs combined in one pass.</summary>
    internal const int GroupSize = 8;

    /// <summary>Elements per block when inputs need more than one group: 16 KiB of output, which stays in L1.</summary>
    internal const int BlockLength = 4096;

    /// <summary>
    /// Ranges at least this long (1 MB of output) use streaming stores: beyond the caches anyway, so
    /// not fetching the output first saves a sixth of the traffic for six inputs. Smaller outputs
    /// (the W1 set's arrays) stay cached for whoever reads them next.
    /// </summary>
    internal const int NonTemporalThreshold = 1 << 18;

    private static readonly bool CanStream = Avx.IsSupported && Vector<float>.Count == 8;

    /// <summary>Computes <c>output[start..end)</c> for all inputs.</summary>
    internal static void Range(float[][] inputs, float[] weights, float[] output, int start, int end)
    {
        int k = inputs.Length;
        if (k <= GroupSize)
        {
            bool nonTemporal = CanStream && end - start >= NonTemporalThreshold;
            Group(inputs, weights, 0, k, output, start, end, accumulate: false, nonTemporal);
            if (nonTemporal)
            {
                // Streaming stores are weakly ordered: make them visible before anyone reads the output.
                Sse.StoreFence();
            }

            return;
        }

        for (int blockStart = start; blockStart < end; blockStart += BlockLength)
        {
            int blockEnd = Math.Min(end, blockStart + BlockLength);
            for (int g = 0; g < k; g += GroupSize)
            {
                Group(inputs, weights, g, Math.Min(GroupSize, k - g), output, blockStart, blockEnd, accumulate: g > 0, nonTemporal: false);
            }
        }
    }

    private static void Group(float[][] x, float[] w, int g, int count, float[] output, int start, int end, bool accumulate, bool nonTemporal)
    {
        switch (count)
        {
            case 1:
                Sum1(x, w, g, output, start, end, accumulate, nonTemporal);
                break;
            case 2:
                Sum2(x, w, g, output, start, end, accumulate, nonTemporal);
                break;
            case 3:
                Sum3(x, w, g, output, start, end, accumulate, nonTemporal);
                break;
            case 4:
                Sum4(x, w, g, output, start, end, accumulate, nonTemporal);
                break;
            case 5:
                Sum5(x, w, g, output, start, end, accumulate, nonTemporal);
                break;
            case 6:
                Sum6(x, w, g, output, start, end, accumulate, nonTemporal);
                break;
            case 7:
                Sum7(x, w, g, output, start, end, accumulate, nonTemporal);
                break;
            default:
                Sum8(x, w, g, output, start, end, accumulate, nonTemporal);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Sum1(float[][] x, float[] w, int g, float[] output, int start, int end, bool accumulate, bool nonTemporal)
    {
        ref float r0 = ref MemoryMarshal.GetArrayDataReference(x[g + 0]);
        ref float ro = ref MemoryMarshal.GetArrayDataReference(output);
        float w0 = w[g + 0];
        var v0 = new Vector<float>(w0);
        int width = Vector<float>.Count, i = start;
        fixed (float* po = output)
        {
            if (accumulate)
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref ro, (nuint)i) + (Vector.LoadUnsafe(ref r0, (nuint)i) * v0);
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0);
                }
            }

            else
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref r0, (nuint)i) * v0;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Sum2(float[][] x, float[] w, int g, float[] output, int start, int end, bool accumulate, bool nonTemporal)
    {
        ref float r0 = ref MemoryMarshal.GetArrayDataReference(x[g + 0]);
        ref float r1 = ref MemoryMarshal.GetArrayDataReference(x[g + 1]);
        ref float ro = ref MemoryMarshal.GetArrayDataReference(output);
        float w0 = w[g + 0];
        float w1 = w[g + 1];
        var v0 = new Vector<float>(w0);
        var v1 = new Vector<float>(w1);
        int width = Vector<float>.Count, i = start;
        fixed (float* po = output)
        {
            if (accumulate)
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref ro, (nuint)i) + (Vector.LoadUnsafe(ref r0, (nuint)i) * v0);
                    s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1);
                }
            }

            else
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref r0, (nuint)i) * v0;
                    s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Sum3(float[][] x, float[] w, int g, float[] output, int start, int end, bool accumulate, bool nonTemporal)
    {
        ref float r0 = ref MemoryMarshal.GetArrayDataReference(x[g + 0]);
        ref float r1 = ref MemoryMarshal.GetArrayDataReference(x[g + 1]);
        ref float r2 = ref MemoryMarshal.GetArrayDataReference(x[g + 2]);
        ref float ro = ref MemoryMarshal.GetArrayDataReference(output);
        float w0 = w[g + 0];
        float w1 = w[g + 1];
        float w2 = w[g + 2];
        var v0 = new Vector<float>(w0);
        var v1 = new Vector<float>(w1);
        var v2 = new Vector<float>(w2);
        int width = Vector<float>.Count, i = start;
        fixed (float* po = output)
        {
            if (accumulate)
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref ro, (nuint)i) + (Vector.LoadUnsafe(ref r0, (nuint)i) * v0);
                    s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                    s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2);
                }
            }

            else
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref r0, (nuint)i) * v0;
                    s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                    s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Sum4(float[][] x, float[] w, int g, float[] output, int start, int end, bool accumulate, bool nonTemporal)
    {
        ref float r0 = ref MemoryMarshal.GetArrayDataReference(x[g + 0]);
        ref float r1 = ref MemoryMarshal.GetArrayDataReference(x[g + 1]);
        ref float r2 = ref MemoryMarshal.GetArrayDataReference(x[g + 2]);
        ref float r3 = ref MemoryMarshal.GetArrayDataReference(x[g + 3]);
        ref float ro = ref MemoryMarshal.GetArrayDataReference(output);
        float w0 = w[g + 0];
        float w1 = w[g + 1];
        float w2 = w[g + 2];
        float w3 = w[g + 3];
        var v0 = new Vector<float>(w0);
        var v1 = new Vector<float>(w1);
        var v2 = new Vector<float>(w2);
        var v3 = new Vector<float>(w3);
        int width = Vector<float>.Count, i = start;
        fixed (float* po = output)
        {
            if (accumulate)
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref ro, (nuint)i) + (Vector.LoadUnsafe(ref r0, (nuint)i) * v0);
                    s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                    s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                    s += Vector.LoadUnsafe(ref r3, (nuint)i) * v3;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3);
                }
            }

            else
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref r0, (nuint)i) * v0;
                    s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                    s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                    s += Vector.LoadUnsafe(ref r3, (nuint)i) * v3;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Sum5(float[][] x, float[] w, int g, float[] output, int start, int end, bool accumulate, bool nonTemporal)
    {
        ref float r0 = ref MemoryMarshal.GetArrayDataReference(x[g + 0]);
        ref float r1 = ref MemoryMarshal.GetArrayDataReference(x[g + 1]);
        ref float r2 = ref MemoryMarshal.GetArrayDataReference(x[g + 2]);
        ref float r3 = ref MemoryMarshal.GetArrayDataReference(x[g + 3]);
        ref float r4 = ref MemoryMarshal.GetArrayDataReference(x[g + 4]);
        ref float ro = ref MemoryMarshal.GetArrayDataReference(output);
        float w0 = w[g + 0];
        float w1 = w[g + 1];
        float w2 = w[g + 2];
        float w3 = w[g + 3];
        float w4 = w[g + 4];
        var v0 = new Vector<float>(w0);
        var v1 = new Vector<float>(w1);
        var v2 = new Vector<float>(w2);
        var v3 = new Vector<float>(w3);
        var v4 = new Vector<float>(w4);
        int width = Vector<float>.Count, i = start;
        fixed (float* po = output)
        {
            if (accumulate)
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref ro, (nuint)i) + (Vector.LoadUnsafe(ref r0, (nuint)i) * v0);
                    s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                    s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                    s += Vector.LoadUnsafe(ref r3, (nuint)i) * v3;
                    s += Vector.LoadUnsafe(ref r4, (nuint)i) * v4;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4);
                }
            }

            else
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref r0, (nuint)i) * v0;
                    s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                    s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                    s += Vector.LoadUnsafe(ref r3, (nuint)i) * v3;
                    s += Vector.LoadUnsafe(ref r4, (nuint)i) * v4;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Sum6(float[][] x, float[] w, int g, float[] output, int start, int end, bool accumulate, bool nonTemporal)
    {
        ref float r0 = ref MemoryMarshal.GetArrayDataReference(x[g + 0]);
        ref float r1 = ref MemoryMarshal.GetArrayDataReference(x[g + 1]);
        ref float r2 = ref MemoryMarshal.GetArrayDataReference(x[g + 2]);
        ref float r3 = ref MemoryMarshal.GetArrayDataReference(x[g + 3]);
        ref float r4 = ref MemoryMarshal.GetArrayDataReference(x[g + 4]);
        ref float r5 = ref MemoryMarshal.GetArrayDataReference(x[g + 5]);
        ref float ro = ref MemoryMarshal.GetArrayDataReference(output);
        float w0 = w[g + 0];
        float w1 = w[g + 1];
        float w2 = w[g + 2];
        float w3 = w[g + 3];
        float w4 = w[g + 4];
        float w5 = w[g + 5];
        var v0 = new Vector<float>(w0);
        var v1 = new Vector<float>(w1);
        var v2 = new Vector<float>(w2);
        var v3 = new Vector<float>(w3);
        var v4 = new Vector<float>(w4);
        var v5 = new Vector<float>(w5);
        int width = Vector<float>.Count, i = start;
        fixed (float* po = output)
        {
            if (accumulate)
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4) + (Unsafe.Add(ref r5, i) * w5);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref ro, (nuint)i) + (Vector.LoadUnsafe(ref r0, (nuint)i) * v0);
                    s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                    s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                    s += Vector.LoadUnsafe(ref r3, (nuint)i) * v3;
                    s += Vector.LoadUnsafe(ref r4, (nuint)i) * v4;
                    s += Vector.LoadUnsafe(ref r5, (nuint)i) * v5;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4) + (Unsafe.Add(ref r5, i) * w5);
                }
            }

            else
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4) + (Unsafe.Add(ref r5, i) * w5);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref r0, (nuint)i) * v0;
                    s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                    s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                    s += Vector.LoadUnsafe(ref r3, (nuint)i) * v3;
                    s += Vector.LoadUnsafe(ref r4, (nuint)i) * v4;
                    s += Vector.LoadUnsafe(ref r5, (nuint)i) * v5;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4) + (Unsafe.Add(ref r5, i) * w5);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Sum7(float[][] x, float[] w, int g, float[] output, int start, int end, bool accumulate, bool nonTemporal)
    {
        ref float r0 = ref MemoryMarshal.GetArrayDataReference(x[g + 0]);
        ref float r1 = ref MemoryMarshal.GetArrayDataReference(x[g + 1]);
        ref float r2 = ref MemoryMarshal.GetArrayDataReference(x[g + 2]);
        ref float r3 = ref MemoryMarshal.GetArrayDataReference(x[g + 3]);
        ref float r4 = ref MemoryMarshal.GetArrayDataReference(x[g + 4]);
        ref float r5 = ref MemoryMarshal.GetArrayDataReference(x[g + 5]);
        ref float r6 = ref MemoryMarshal.GetArrayDataReference(x[g + 6]);
        ref float ro = ref MemoryMarshal.GetArrayDataReference(output);
        float w0 = w[g + 0];
        float w1 = w[g + 1];
        float w2 = w[g + 2];
        float w3 = w[g + 3];
        float w4 = w[g + 4];
        float w5 = w[g + 5];
        float w6 = w[g + 6];
        var v0 = new Vector<float>(w0);
        var v1 = new Vector<float>(w1);
        var v2 = new Vector<float>(w2);
        var v3 = new Vector<float>(w3);
        var v4 = new Vector<float>(w4);
        var v5 = new Vector<float>(w5);
        var v6 = new Vector<float>(w6);
        int width = Vector<float>.Count, i = start;
        fixed (float* po = output)
        {
            if (accumulate)
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4) + (Unsafe.Add(ref r5, i) * w5) + (Unsafe.Add(ref r6, i) * w6);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref ro, (nuint)i) + (Vector.LoadUnsafe(ref r0, (nuint)i) * v0);
                    s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                    s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                    s += Vector.LoadUnsafe(ref r3, (nuint)i) * v3;
                    s += Vector.LoadUnsafe(ref r4, (nuint)i) * v4;
                    s += Vector.LoadUnsafe(ref r5, (nuint)i) * v5;
                    s += Vector.LoadUnsafe(ref r6, (nuint)i) * v6;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4) + (Unsafe.Add(ref r5, i) * w5) + (Unsafe.Add(ref r6, i) * w6);
                }
            }

            else
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4) + (Unsafe.Add(ref r5, i) * w5) + (Unsafe.Add(ref r6, i) * w6);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref r0, (nuint)i) * v0;
                    s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                    s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                    s += Vector.LoadUnsafe(ref r3, (nuint)i) * v3;
                    s += Vector.LoadUnsafe(ref r4, (nuint)i) * v4;
                    s += Vector.LoadUnsafe(ref r5, (nuint)i) * v5;
                    s += Vector.LoadUnsafe(ref r6, (nuint)i) * v6;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4) + (Unsafe.Add(ref r5, i) * w5) + (Unsafe.Add(ref r6, i) * w6);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Sum8(float[][] x, float[] w, int g, float[] output, int start, int end, bool accumulate, bool nonTemporal)
    {
        ref float r0 = ref MemoryMarshal.GetArrayDataReference(x[g + 0]);
        ref float r1 = ref MemoryMarshal.GetArrayDataReference(x[g + 1]);
        ref float r2 = ref MemoryMarshal.GetArrayDataReference(x[g + 2]);
        ref float r3 = ref MemoryMarshal.GetArrayDataReference(x[g + 3]);
        ref float r4 = ref MemoryMarshal.GetArrayDataReference(x[g + 4]);
        ref float r5 = ref MemoryMarshal.GetArrayDataReference(x[g + 5]);
        ref float r6 = ref MemoryMarshal.GetArrayDataReference(x[g + 6]);
        ref float r7 = ref MemoryMarshal.GetArrayDataReference(x[g + 7]);
        ref float ro = ref MemoryMarshal.GetArrayDataReference(output);
        float w0 = w[g + 0];
        float w1 = w[g + 1];
        float w2 = w[g + 2];
        float w3 = w[g + 3];
        float w4 = w[g + 4];
        float w5 = w[g + 5];
        float w6 = w[g + 6];
        float w7 = w[g + 7];
        var v0 = new Vector<float>(w0);
        var v1 = new Vector<float>(w1);
        var v2 = new Vector<float>(w2);
        var v3 = new Vector<float>(w3);
        var v4 = new Vector<float>(w4);
        var v5 = new Vector<float>(w5);
        var v6 = new Vector<float>(w6);
        var v7 = new Vector<float>(w7);
        int width = Vector<float>.Count, i = start;
        fixed (float* po = output)
        {
            if (accumulate)
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4) + (Unsafe.Add(ref r5, i) * w5) + (Unsafe.Add(ref r6, i) * w6) + (Unsafe.Add(ref r7, i) * w7);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref ro, (nuint)i) + (Vector.LoadUnsafe(ref r0, (nuint)i) * v0);
                    s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                    s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                    s += Vector.LoadUnsafe(ref r3, (nuint)i) * v3;
                    s += Vector.LoadUnsafe(ref r4, (nuint)i) * v4;
                    s += Vector.LoadUnsafe(ref r5, (nuint)i) * v5;
                    s += Vector.LoadUnsafe(ref r6, (nuint)i) * v6;
                    s += Vector.LoadUnsafe(ref r7, (nuint)i) * v7;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = Unsafe.Add(ref ro, i) + (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4) + (Unsafe.Add(ref r5, i) * w5) + (Unsafe.Add(ref r6, i) * w6) + (Unsafe.Add(ref r7, i) * w7);
                }
            }

            else
            {
                for (; nonTemporal && i < end && ((nuint)(po + i) & 31) != 0; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4) + (Unsafe.Add(ref r5, i) * w5) + (Unsafe.Add(ref r6, i) * w6) + (Unsafe.Add(ref r7, i) * w7);
                }

                for (; i <= end - width; i += width)
                {
                    var s = Vector.LoadUnsafe(ref r0, (nuint)i) * v0;
                    s += Vector.LoadUnsafe(ref r1, (nuint)i) * v1;
                    s += Vector.LoadUnsafe(ref r2, (nuint)i) * v2;
                    s += Vector.LoadUnsafe(ref r3, (nuint)i) * v3;
                    s += Vector.LoadUnsafe(ref r4, (nuint)i) * v4;
                    s += Vector.LoadUnsafe(ref r5, (nuint)i) * v5;
                    s += Vector.LoadUnsafe(ref r6, (nuint)i) * v6;
                    s += Vector.LoadUnsafe(ref r7, (nuint)i) * v7;
                    if (nonTemporal)
                    {
                        Avx.StoreAlignedNonTemporal(po + i, s.AsVector256());
                    }
                    else
                    {
                        Vector.StoreUnsafe(s, ref ro, (nuint)i);
                    }
                }

                for (; i < end; i++)
                {
                    Unsafe.Add(ref ro, i) = (Unsafe.Add(ref r0, i) * w0) + (Unsafe.Add(ref r1, i) * w1) + (Unsafe.Add(ref r2, i) * w2) + (Unsafe.Add(ref r3, i) * w3) + (Unsafe.Add(ref r4, i) * w4) + (Unsafe.Add(ref r5, i) * w5) + (Unsafe.Add(ref r6, i) * w6) + (Unsafe.Add(ref r7, i) * w7);
                }
            }
        }
    }
}
