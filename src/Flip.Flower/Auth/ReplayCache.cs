using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace Flip.Flower.Auth;

/// <summary>
/// The signed calls a server accepted within the timestamp window (<see cref="AuthMetadata.MaxAge"/>), so that an exact copy
/// of a call's <c>flwr-*</c> metadata, replayed by someone who saw it, is refused.
/// </summary>
/// <remarks>
/// <para>A call is remembered by its key's fingerprint, its timestamp text and the <c>r</c> of its ECDSA signature
/// (reduced to 16 bytes of SHA-256). <c>r</c> rather than the whole signature: (r, s) and (r, n − s) both verify, so a copy
/// with <c>s</c> negated would otherwise pass as new. An honest node signs every call afresh; ECDSA draws a new <c>r</c> for
/// every signature, so two of its calls never share one, even with equal timestamps.</para>
/// <para>Flower's SuperLink accepts a replay inside its window; this goes beyond it. Memory is bounded: at most
/// <see cref="Capacity"/> calls are remembered (about 64 bytes each); a call arriving when that many younger than the
/// window are held is refused rather than let through unremembered.</para>
/// </remarks>
/// <param name="capacity">How many calls may be remembered at once.</param>
internal sealed class ReplayCache(int capacity = ReplayCache.DefaultCapacity)
{
    /// <summary>250,000 calls: over 800 signed calls a second for the whole window, about 16 MB.</summary>
    public const int DefaultCapacity = 250_000;

    private readonly object _gate = new();
    private readonly HashSet<UInt128> _seen = [];
    private readonly Queue<(UInt128 Call, DateTimeOffset Forget)> _order = new();

    /// <summary>What <see cref="TryRemember"/> decided.</summary>
    public enum Verdict
    {
        /// <summary>First time seen; now remembered.</summary>
        New,

        /// <summary>Seen before: a replay.</summary>
        Replayed,

        /// <summary>The cache is full of calls still inside the window.</summary>
        Full,

        /// <summary>The signature is not a DER SEQUENCE of two INTEGERs.</summary>
        Malformed,
    }

    /// <summary>How many calls may be remembered at once.</summary>
    public int Capacity { get; } = capacity;

    /// <summary>Remembers a verified call, unless it was seen before.</summary>
    /// <param name="fingerprint">The caller's key fingerprint (<see cref="KeyFingerprint"/>).</param>
    /// <param name="timestamp">The signed timestamp text.</param>
    /// <param name="derSignature">The DER signature.</param>
    /// <param name="now">The server's clock. The call is forgotten when no timestamp accepted now can be accepted any longer
    /// (<paramref name="now"/> + <see cref="AuthMetadata.MaxFutureSkew"/> + <see cref="AuthMetadata.MaxAge"/>).</param>
    /// <returns>The verdict.</returns>
    public Verdict TryRemember(string fingerprint, string timestamp, ReadOnlySpan<byte> derSignature, DateTimeOffset now)
    {
        if (!TryReadR(derSignature, out byte[] r))
        {
            return Verdict.Malformed;
        }

        byte[] text = Encoding.ASCII.GetBytes($"{fingerprint}\n{timestamp}\n");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(text);
        hash.AppendData(r);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        var call = new UInt128(BitConverter.ToUInt64(digest), BitConverter.ToUInt64(digest[8..]));
        lock (_gate)
        {
            while (_order.TryPeek(out var oldest) && oldest.Forget <= now)
            {
                _seen.Remove(_order.Dequeue().Call);
            }

            if (_seen.Contains(call))
            {
                return Verdict.Replayed;
            }

            if (_seen.Count >= Capacity)
            {
                return Verdict.Full;
            }

            _seen.Add(call);
            _order.Enqueue((call, now + AuthMetadata.MaxFutureSkew + AuthMetadata.MaxAge));
            return Verdict.New;
        }
    }

    /// <summary>Reads <c>r</c> of an ECDSA-Sig-Value (RFC 3279 §2.2.3) as an unsigned big-endian number without leading zeros.</summary>
    private static bool TryReadR(ReadOnlySpan<byte> derSignature, out byte[] r)
    {
        r = [];
        try
        {
            var reader = new AsnReader(derSignature.ToArray(), AsnEncodingRules.DER);
            AsnReader sequence = reader.ReadSequence();
            ReadOnlySpan<byte> value = sequence.ReadIntegerBytes().Span;
            sequence.ReadIntegerBytes();
            sequence.ThrowIfNotEmpty();
            reader.ThrowIfNotEmpty();
            r = value.TrimStart((byte)0).ToArray();
            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }
}
