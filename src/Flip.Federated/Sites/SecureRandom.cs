using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Flip.Federated;

/// <summary>
/// A <see cref="Random"/> whose every draw comes from the operating system's cryptographically secure generator:
/// for randomness that protects privacy (a site's local DP noise), which nobody, the server included, may be able to
/// regenerate from anything sent or stored.
/// </summary>
internal sealed class SecureRandom : Random
{
    /// <summary>A uniform draw in [0, 1) with 53 random bits.</summary>
    /// <returns>The draw.</returns>
    public override double NextDouble()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return (BinaryPrimitives.ReadUInt64LittleEndian(bytes) >> 11) * (1.0 / (1UL << 53));
    }

    /// <inheritdoc/>
    protected override double Sample() => NextDouble();

    /// <inheritdoc/>
    public override int Next() => RandomNumberGenerator.GetInt32(int.MaxValue);

    /// <inheritdoc/>
    public override int Next(int maxValue) => Next(0, maxValue);

    /// <inheritdoc/>
    public override int Next(int minValue, int maxValue) => minValue == maxValue ? minValue : RandomNumberGenerator.GetInt32(minValue, maxValue);

    /// <inheritdoc/>
    public override void NextBytes(byte[] buffer) => RandomNumberGenerator.Fill(buffer);

    /// <inheritdoc/>
    public override void NextBytes(Span<byte> buffer) => RandomNumberGenerator.Fill(buffer);
}
