using System.Numerics;
using System.Security.Cryptography;

namespace Flip.Federated.SecureAggregation;

/// <summary>
/// Shamir's (t, n) threshold secret sharing over the prime field of the Mersenne prime 2⁵²¹ − 1:
/// any t shares give the secret back, t − 1 shares say nothing about it.
/// </summary>
/// <remarks>
/// Shamir, 1979, "How to Share a Secret", CACM 22(11). The dealer draws a polynomial
/// f(x) = s + a₁x + … + a_{t−1}x^{t−1} with uniform coefficients and hands out (i, f(i)); any t points
/// fix f, and Lagrange interpolation at 0 gives s. A secret is up to <see cref="MaxSecretBytes"/> bytes
/// (a 32-byte seed or P-256 private key fits in one field element, so there is no chunking).
/// </remarks>
public static class ShamirSecretSharing
{
    /// <summary>The field's prime, 2⁵²¹ − 1.</summary>
    public static readonly BigInteger Prime = (BigInteger.One << 521) - 1;

    /// <summary>The longest secret, in bytes, that is smaller than the prime.</summary>
    public const int MaxSecretBytes = 65;

    private const int CoefficientBytes = 80; // 640 random bits reduced mod p: bias below 2⁻¹¹⁹

    /// <summary>Splits a secret into <paramref name="shares"/> shares, any <paramref name="threshold"/> of which recover it.</summary>
    /// <param name="secret">The secret, at most <see cref="MaxSecretBytes"/> bytes (read as a big-endian unsigned number).</param>
    /// <param name="shares">The number of shares n (points x = 1 … n).</param>
    /// <param name="threshold">The number t of shares that recover the secret, 1 ≤ t ≤ n.</param>
    /// <param name="random">Where the coefficients come from; <see langword="null"/> for the operating system's cryptographic generator.</param>
    /// <returns>The shares, x = 1 … n.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The secret is too long, or t is not in 1 … n.</exception>
    public static ShamirShare[] Split(ReadOnlySpan<byte> secret, int shares, int threshold, RandomNumberGenerator? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(secret.Length, MaxSecretBytes, nameof(secret));
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threshold, shares);
        var coefficients = new BigInteger[threshold];
        coefficients[0] = new BigInteger(secret, isUnsigned: true, isBigEndian: true);
        Span<byte> buffer = stackalloc byte[CoefficientBytes];
        for (int i = 1; i < threshold; i++)
        {
            if (random is null)
            {
                RandomNumberGenerator.Fill(buffer);
            }
            else
            {
                random.GetBytes(buffer);
            }

            coefficients[i] = new BigInteger(buffer, isUnsigned: true) % Prime;
        }

        var result = new ShamirShare[shares];
        for (int x = 1; x <= shares; x++)
        {
            // Horner: f(x) = (…(a_{t−1}·x + a_{t−2})·x + …)·x + s
            BigInteger y = BigInteger.Zero;
            for (int i = threshold - 1; i >= 0; i--)
            {
                y = ((y * x) + coefficients[i]) % Prime;
            }

            result[x - 1] = new ShamirShare(x, y);
        }

        Array.Clear(coefficients);
        return result;
    }

    /// <summary>
    /// Interpolates the polynomial through the shares at 0. With at least t distinct shares that is
    /// the secret; with fewer it is a value unrelated to it.
    /// </summary>
    /// <param name="shares">Shares with distinct x.</param>
    /// <param name="secretBytes">The secret's length in bytes (leading zero bytes are restored).</param>
    /// <returns>The secret, big-endian, <paramref name="secretBytes"/> long; when the interpolated value does not fit (too few shares), its low-order bytes.</returns>
    /// <exception cref="ArgumentException">No shares, or two shares with the same x.</exception>
    public static byte[] Combine(IReadOnlyList<ShamirShare> shares, int secretBytes)
    {
        ArgumentNullException.ThrowIfNull(shares);
        if (shares.Count == 0)
        {
            throw new ArgumentException("Combining needs at least one share.", nameof(shares));
        }

        if (shares.Select(s => s.X).Distinct().Count() != shares.Count)
        {
            throw new ArgumentException("Two shares have the same x; each share must come from a different holder.", nameof(shares));
        }

        // s = Σⱼ yⱼ · Πₘ≠ⱼ xₘ / (xₘ − xⱼ)   (mod p)
        BigInteger secret = BigInteger.Zero;
        for (int j = 0; j < shares.Count; j++)
        {
            BigInteger numerator = BigInteger.One, denominator = BigInteger.One;
            for (int m = 0; m < shares.Count; m++)
            {
                if (m == j)
                {
                    continue;
                }

                numerator = numerator * shares[m].X % Prime;
                denominator = denominator * Mod(shares[m].X - shares[j].X) % Prime;
            }

            BigInteger basis = numerator * BigInteger.ModPow(denominator, Prime - 2, Prime) % Prime;
            secret = (secret + (shares[j].Y * basis)) % Prime;
        }

        var bytes = secret.ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = new byte[secretBytes];
        int copy = Math.Min(bytes.Length, secretBytes);
        bytes.AsSpan(bytes.Length - copy).CopyTo(result.AsSpan(secretBytes - copy));
        return result;
    }

    private static BigInteger Mod(BigInteger value) => ((value % Prime) + Prime) % Prime;
}
