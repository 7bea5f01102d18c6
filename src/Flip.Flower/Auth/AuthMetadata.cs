using System.Globalization;
using Grpc.Core;

namespace Flip.Flower.Auth;

/// <summary>
/// The three gRPC metadata entries that authenticate every Fleet API call
/// (<c>flwr-public-key-bin</c>, <c>flwr-timestamp</c>, <c>flwr-signature-bin</c>): building them
/// for a node, and checking them as the SuperLink does.
/// </summary>
public static class AuthMetadata
{
    /// <summary>Metadata key of the public key PEM (binary metadata).</summary>
    public const string PublicKeyKey = "flwr-public-key-bin";

    /// <summary>Metadata key of the timestamp text.</summary>
    public const string TimestampKey = "flwr-timestamp";

    /// <summary>Metadata key of the DER signature (binary metadata).</summary>
    public const string SignatureKey = "flwr-signature-bin";

    /// <summary>How far a timestamp may lie in the future (server clock ahead of the node).</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromSeconds(5);

    /// <summary>How old a timestamp may be.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(305);

    /// <summary>Formats a time as Python's <c>datetime.isoformat()</c> for a UTC time: microseconds only when non-zero, <c>+00:00</c>.</summary>
    /// <param name="time">The time.</param>
    /// <returns>For example <c>2026-01-01T00:00:00.123456+00:00</c>.</returns>
    public static string FormatTimestamp(DateTimeOffset time)
    {
        DateTime utc = time.UtcDateTime;
        int micros = (int)(utc.Ticks % TimeSpan.TicksPerSecond / 10);
        string seconds = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return micros == 0 ? seconds + "+00:00" : $"{seconds}.{micros.ToString("D6", CultureInfo.InvariantCulture)}+00:00";
    }

    /// <summary>Builds the metadata for one call, signed now.</summary>
    /// <param name="identity">The node key.</param>
    /// <param name="now">The current time.</param>
    /// <returns>The three entries.</returns>
    public static Metadata Create(NodeIdentity identity, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(identity);
        string timestamp = FormatTimestamp(now);
        return new Metadata
        {
            { PublicKeyKey, identity.PublicKeyPem },
            { TimestampKey, timestamp },
            { SignatureKey, identity.Sign(timestamp) },
        };
    }

    /// <summary>Checks a call's metadata: all three entries present, signature valid, timestamp inside (−5 s, 305 s) of <paramref name="now"/>.</summary>
    /// <param name="headers">The call's request headers.</param>
    /// <param name="now">The server's current time.</param>
    /// <param name="publicKeyPem">The caller's public key when valid.</param>
    /// <param name="problem">Why the call is refused, when it is.</param>
    /// <returns>Whether the call is authenticated.</returns>
    public static bool TryVerify(Metadata headers, DateTimeOffset now, out byte[] publicKeyPem, out string problem)
    {
        ArgumentNullException.ThrowIfNull(headers);
        publicKeyPem = [];
        byte[]? key = headers.GetValueBytes(PublicKeyKey);
        string? timestamp = headers.GetValue(TimestampKey);
        byte[]? signature = headers.GetValueBytes(SignatureKey);
        if (key is null || timestamp is null || signature is null)
        {
            problem = $"missing one of the metadata entries {PublicKeyKey}, {TimestampKey}, {SignatureKey}";
            return false;
        }

        if (!NodeIdentity.Verify(key, timestamp, signature))
        {
            problem = "the signature does not verify with the public key";
            return false;
        }

        if (!DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset signedAt))
        {
            problem = $"the timestamp '{timestamp}' is not ISO 8601";
            return false;
        }

        TimeSpan age = now - signedAt;
        if (age <= -MaxFutureSkew || age >= MaxAge)
        {
            problem = $"the timestamp {timestamp} is outside the accepted window (−5 s, 305 s) around the server's clock; check the node's clock";
            return false;
        }

        publicKeyPem = key;
        problem = string.Empty;
        return true;
    }
}
