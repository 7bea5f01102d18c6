using System.Globalization;
using Flip.Federated;

namespace Flip.Flower.Tests;

/// <summary>Models for the server tests, shaped as <c>bench load</c>'s: float32 arrays of [rows, 1000].</summary>
internal static class TestModels
{
    /// <summary><paramref name="arrays"/> arrays named <c>layer{i}.weight</c> of [<paramref name="valuesPerArray"/>/1000, 1000], small non-zero values.</summary>
    /// <remarks>
    /// Values, not zeros: the operating system maps an untouched array of zeros lazily, so a zero model would not be in
    /// the server's base RSS and would show up in the peak instead, as if it were aggregation memory; and every array
    /// differs, so no two share a content address.
    /// </remarks>
    public static ParameterSet Distinct(int arrays, int valuesPerArray)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(arrays, 1);
        if (valuesPerArray < 1000 || valuesPerArray % 1000 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(valuesPerArray), valuesPerArray, "Expected a positive multiple of 1000.");
        }

        return ParameterSet.Create(Enumerable.Range(0, arrays).Select(i =>
        {
            float[] values = GC.AllocateUninitializedArray<float>(valuesPerArray);
            for (int j = 0; j < values.Length; j++)
            {
                values[j] = 0.01f * ((((j * 7919) + i) % 201) - 100) / 100f;
            }

            return ParameterArray.AdoptFloat32(string.Create(CultureInfo.InvariantCulture, $"layer{i}.weight"), [valuesPerArray / 1000, 1000], values);
        }));
    }
}
