using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using Flip.Federated;
using Flip.Federated.SecureAggregation;
using Flip.Flower.Records;
using ConfigRecord = Flip.Flower.Records.ConfigRecord;

namespace Flip.Flower.Fleet;

/// <summary>Reading and writing the values of <see cref="SecAggPlusKeys"/>, for the server (<see cref="SecureFleetRound"/>) and the node (<see cref="SecureAggregationNode"/>).</summary>
internal static class SecAggPlusWire
{
    /// <summary>The modulus FLIP's masks live in (Flower's default <c>modulus_range</c>).</summary>
    public const long ModRange = 1L << 32;

    /// <summary>The most bytes a node's identity key or its key signature may take in a setup reply (a P-384 PEM key is 215, a signature at most 104).</summary>
    public const int MaxIdentityBytes = 1024;

    private static readonly byte[] KeysLabel = "flip-secaggplus-keys-v1"u8.ToArray();

    /// <summary>
    /// What a node signs with its identity key at setup, so that its neighbours can tell its keys from keys the server made up:
    /// a label, the run id, the round and the node id (8 bytes little-endian each), then pk1 and pk2 (each after its length as 4 bytes little-endian).
    /// </summary>
    /// <remarks>The round and node id bind the keys to one seat in one round: keys replayed from another round or put under another node id fail the check.</remarks>
    public static byte[] KeysToSign(ulong runId, long round, ulong nodeId, ReadOnlySpan<byte> pk1, ReadOnlySpan<byte> pk2)
    {
        var bytes = new byte[KeysLabel.Length + 24 + 8 + pk1.Length + pk2.Length];
        Span<byte> at = bytes;
        KeysLabel.CopyTo(at);
        at = at[KeysLabel.Length..];
        BinaryPrimitives.WriteUInt64LittleEndian(at, runId);
        BinaryPrimitives.WriteInt64LittleEndian(at[8..], round);
        BinaryPrimitives.WriteUInt64LittleEndian(at[16..], nodeId);
        BinaryPrimitives.WriteInt32LittleEndian(at[24..], pk1.Length);
        pk1.CopyTo(at[28..]);
        at = at[(28 + pk1.Length)..];
        BinaryPrimitives.WriteInt32LittleEndian(at, pk2.Length);
        pk2.CopyTo(at[4..]);
        return bytes;
    }

    /// <summary>A share as bytes: x as int32 little-endian, then f(x) unsigned big-endian.</summary>
    public static byte[] Encode(ShamirShare share)
    {
        int length = share.Y.GetByteCount(isUnsigned: true);
        var bytes = new byte[4 + length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, share.X);
        share.Y.TryWriteBytes(bytes.AsSpan(4), out _, isUnsigned: true, isBigEndian: true);
        return bytes;
    }

    /// <summary>A share from <see cref="Encode"/>'s bytes.</summary>
    /// <exception cref="FlowerProtocolException">Fewer than 5 bytes, more than 70, or x &lt; 1.</exception>
    public static ShamirShare DecodeShare(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length is < 5 or > 70 || BinaryPrimitives.ReadInt32LittleEndian(bytes) < 1)
        {
            throw FlowerProtocolException.BadMessage("train", SecAggPlusKeys.ShareList, SiteFlowerApp.Invariant($"a share of {bytes.Length} bytes; expected x ≥ 1 as 4 bytes, then 1 to 66 bytes of f(x)"));
        }

        return new ShamirShare(BinaryPrimitives.ReadInt32LittleEndian(bytes), new BigInteger(bytes[4..], isUnsigned: true, isBigEndian: true));
    }

    /// <summary>The <see cref="SecAggPlusKeys.ConfigRecord"/> of a message.</summary>
    /// <exception cref="FlowerProtocolException">It is missing.</exception>
    public static ConfigRecord Configs(RecordDict content) =>
        content.TryGet(SecAggPlusKeys.ConfigRecord, out ConfigRecord? config)
            ? config
            : throw FlowerProtocolException.BadMessage("train", SecAggPlusKeys.ConfigRecord, "missing; expected the secure aggregation stage's ConfigRecord");

    /// <summary>A value of an expected kind.</summary>
    /// <exception cref="FlowerProtocolException">It is missing or of another kind.</exception>
    public static RecordValue Get(ConfigRecord config, string key, RecordValueKind kind) =>
        config.TryGetValue(key, out RecordValue? value) && value.Kind == kind
            ? value
            : throw FlowerProtocolException.BadMessage("train", SecAggPlusKeys.ConfigRecord + "." + key, value is null ? SiteFlowerApp.Invariant($"missing; expected a {kind} value") : SiteFlowerApp.Invariant($"a {value.Kind} value; expected {kind}"));

    /// <summary>A list of node ids (uint64 list).</summary>
    public static ulong[] NodeIds(ConfigRecord config, string key) => [.. Get(config, key, RecordValueKind.UIntList).AsUInt64List()];

    /// <summary>A list of byte strings.</summary>
    public static byte[][] Bytes(ConfigRecord config, string key) => [.. Get(config, key, RecordValueKind.BytesList).AsBytesList().Select(b => b.ToArray())];

    /// <summary>A list of node ids as a record value.</summary>
    public static RecordValue OfNodes(IEnumerable<SiteId> sites) => RecordValue.OfList(sites.Select(FleetFederation.NodeOf));
}
