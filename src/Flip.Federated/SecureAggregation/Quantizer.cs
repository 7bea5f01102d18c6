namespace Flip.Federated.SecureAggregation;

/// <summary>Maps floats in [−c, c] to the integers 0 … q and back (Flower's <c>quantize</c> / <c>dequantize</c>, deterministic rounding).</summary>
public static class Quantizer
{
    /// <summary>Clips each value to [−c, c] and maps it to round((x + c) · q / 2c).</summary>
    /// <param name="values">The values.</param>
    /// <param name="clippingRange">c.</param>
    /// <param name="quantizationRange">q.</param>
    /// <returns>One integer in 0 … q per value.</returns>
    public static uint[] Quantize(ReadOnlySpan<double> values, double clippingRange, long quantizationRange)
    {
        var result = new uint[values.Length];
        double scale = quantizationRange / (2 * clippingRange);
        for (int i = 0; i < values.Length; i++)
        {
            double x = Math.Clamp(values[i], -clippingRange, clippingRange);
            result[i] = (uint)Math.Round((x + clippingRange) * scale, MidpointRounding.ToEven);
        }

        return result;
    }

    /// <summary>The sum of <paramref name="count"/> quantised vectors back to the sum of their values: Σx ≈ Σq · 2c / q − n·c.</summary>
    /// <param name="sum">The sum mod 2³² (exact while n·q &lt; 2³²).</param>
    /// <param name="count">The number n of vectors summed.</param>
    /// <param name="clippingRange">c.</param>
    /// <param name="quantizationRange">q.</param>
    /// <returns>The sum of the (clipped) values, each within n·c/q.</returns>
    public static double[] DequantizeSum(ReadOnlySpan<uint> sum, int count, double clippingRange, long quantizationRange)
    {
        var result = new double[sum.Length];
        double step = 2 * clippingRange / quantizationRange;
        for (int i = 0; i < sum.Length; i++)
        {
            result[i] = (sum[i] * step) - (count * clippingRange);
        }

        return result;
    }
}
