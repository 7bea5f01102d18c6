namespace Flip.Imaging.Fuzzing;

/// <summary>
/// The random stream of one fuzzing case: SplitMix64 started from a hash of the run's seed and the case number, so case
/// <c>i</c> of run seed <c>s</c> draws the same values on every machine, .NET version and thread, whatever ran before it.
/// </summary>
/// <remarks>
/// SplitMix64: Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014, with the constants of
/// Vigna's <c>splitmix64.c</c>. The start state is the generator's own mixing function applied to the run seed and then to
/// the sum with the case number, so neighbouring cases do not share a stream shifted by one draw.
/// </remarks>
internal sealed class CaseRandom(ulong runSeed, long index)
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    private ulong _state = Mix(Mix(runSeed + Gamma) + (ulong)index);

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64() => Mix(_state += Gamma);

    /// <summary>The next 32 random bits (the high half of a draw).</summary>
    public uint NextUInt32() => (uint)(NextUInt64() >> 32);

    /// <summary>The next 8 random bits.</summary>
    public byte NextByte() => (byte)(NextUInt64() >> 56);

    /// <summary>A uniform integer in [<paramref name="min"/>, <paramref name="max"/>], both included.</summary>
    public int Between(int min, int max)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(min, max);
        return (int)(min + (long)Below((ulong)((long)max - min) + 1));
    }

    /// <summary>One of <paramref name="choices"/>, each with probability weight / total weight.</summary>
    public T Choose<T>(IReadOnlyList<(int Weight, T Value)> choices)
    {
        int draw = (int)Below((ulong)choices.Sum(c => c.Weight));
        foreach (var (weight, value) in choices)
        {
            if (draw < weight) return value;
            draw -= weight;
        }

        throw new InvalidOperationException("no choice with a positive weight.");
    }

    /// <summary>A uniform integer in [0, <paramref name="n"/>): draws below 2⁶⁴ mod n are redrawn, so no value is favoured.</summary>
    private ulong Below(ulong n)
    {
        ArgumentOutOfRangeException.ThrowIfZero(n);
        ulong threshold = (0UL - n) % n;
        while (true)
        {
            ulong draw = NextUInt64();
            if (draw >= threshold) return draw % n;
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
