namespace Flip.Federated;

/// <summary>Derives independent seeds from a run seed (SplitMix64), so every round and site gets its own stream.</summary>
public static class Seeds
{
    /// <summary>Derives a seed from a parent seed and a path of integers (round, site index, purpose).</summary>
    /// <param name="seed">The parent seed.</param>
    /// <param name="path">The integers that identify the stream.</param>
    /// <returns>A non-negative 31-bit seed.</returns>
    public static int Derive(long seed, params ReadOnlySpan<long> path)
    {
        ulong state = unchecked((ulong)seed);
        foreach (long part in path)
        {
            state = Mix(state ^ Mix(unchecked((ulong)part) + 0x9E3779B97F4A7C15UL));
        }

        return (int)(Mix(state) >> 33);
    }

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
