using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Flip.Federated.SecureAggregation;

/// <summary>
/// The pseudo-random generator behind every mask: AES-256 in counter mode keyed by a 32-byte seed,
/// read as little-endian 32-bit words, added to or subtracted from a vector mod 2³².
/// </summary>
/// <remarks>
/// Bonawitz et al., 2017, §4: masks are PRG(seed) expanded to the vector's length; a pairwise mask is
/// added by one site of the pair and subtracted by the other, so it cancels in the sum. Counter mode
/// is AES-ECB over the blocks 0, 1, 2, … (the key is used for one stream only, so no nonce is needed).
/// </remarks>
public static class MaskGenerator
{
    /// <summary>The seed length, bytes.</summary>
    public const int SeedBytes = 32;

    private const int BlocksPerChunk = 4096; // 64 KiB of key stream at a time

    /// <summary>Adds (<paramref name="sign"/> = +1) or subtracts (−1) PRG(<paramref name="seed"/>) to a vector mod 2³².</summary>
    /// <param name="vector">The vector, changed in place.</param>
    /// <param name="seed">A 32-byte seed.</param>
    /// <param name="sign">+1 or −1.</param>
    /// <exception cref="ArgumentException">The seed is not 32 bytes or the sign is not ±1.</exception>
    public static void Apply(Span<uint> vector, ReadOnlySpan<byte> seed, int sign)
    {
        if (seed.Length != SeedBytes)
        {
            throw new ArgumentException($"A mask seed is {SeedBytes} bytes, got {seed.Length}.", nameof(seed));
        }

        if (sign is not (1 or -1))
        {
            throw new ArgumentException("The sign must be +1 or −1.", nameof(sign));
        }

        using var aes = Aes.Create();
        aes.Key = seed.ToArray();
        var counters = new byte[BlocksPerChunk * 16];
        var stream = new byte[counters.Length];
        long block = 0;
        for (int start = 0; start < vector.Length; start += BlocksPerChunk * 4)
        {
            int words = Math.Min(BlocksPerChunk * 4, vector.Length - start);
            int blocks = (words + 3) / 4;
            for (int b = 0; b < blocks; b++, block++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(counters.AsSpan(b * 16), block);
            }

            int bytes = blocks * 16;
            aes.EncryptEcb(counters.AsSpan(0, bytes), stream.AsSpan(0, bytes), PaddingMode.None);
            var mask = MemoryMarshal.Cast<byte, uint>(stream.AsSpan(0, bytes));
            var target = vector.Slice(start, words);
            if (!BitConverter.IsLittleEndian)
            {
                for (int i = 0; i < words; i++)
                {
                    mask[i] = BinaryPrimitives.ReverseEndianness(mask[i]);
                }
            }

            Combine(target, mask, sign);
        }
    }

    // target ± mask, mod 2³², a SIMD vector at a time.
    private static void Combine(Span<uint> target, ReadOnlySpan<uint> mask, int sign)
    {
        var targetVectors = MemoryMarshal.Cast<uint, Vector<uint>>(target);
        var maskVectors = MemoryMarshal.Cast<uint, Vector<uint>>(mask[..target.Length]);
        for (int v = 0; v < targetVectors.Length; v++)
        {
            targetVectors[v] = sign > 0 ? targetVectors[v] + maskVectors[v] : targetVectors[v] - maskVectors[v];
        }

        for (int i = targetVectors.Length * Vector<uint>.Count; i < target.Length; i++)
        {
            target[i] = sign > 0 ? unchecked(target[i] + mask[i]) : unchecked(target[i] - mask[i]);
        }
    }
}
