using Flip.Flower.Auth;

namespace Flip.Flower.Tests.Auth;

/// <summary>The memory bound and the forgetting of <see cref="ReplayCache"/> (its refusal of replays runs over gRPC in HostilePeerAuthTests).</summary>
public sealed class ReplayCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    private static byte[] Signature(NodeIdentity key, string timestamp) => key.Sign(timestamp);

    [Fact]
    public void A_full_cache_refuses_new_calls_until_the_oldest_leave_the_window()
    {
        // Given: room for two calls, both taken
        using NodeIdentity key = NodeIdentity.Create();
        var cache = new ReplayCache(capacity: 2);
        Assert.Equal(ReplayCache.Verdict.New, cache.TryRemember(key.Fingerprint, "t1", Signature(key, "t1"), Now));
        Assert.Equal(ReplayCache.Verdict.New, cache.TryRemember(key.Fingerprint, "t2", Signature(key, "t2"), Now));

        // When/Then: a third call is refused while the two are inside the window, and taken once they have left it
        byte[] third = Signature(key, "t3");
        Assert.Equal(ReplayCache.Verdict.Full, cache.TryRemember(key.Fingerprint, "t3", third, Now.AddSeconds(309)));
        Assert.Equal(ReplayCache.Verdict.New, cache.TryRemember(key.Fingerprint, "t3", third, Now + AuthMetadata.MaxAge + AuthMetadata.MaxFutureSkew));
        Assert.Equal(ReplayCache.Verdict.Replayed, cache.TryRemember(key.Fingerprint, "t3", third, Now + AuthMetadata.MaxAge + AuthMetadata.MaxFutureSkew));
    }

    [Fact]
    public void The_same_timestamp_signed_twice_is_two_calls_and_a_signature_that_is_not_DER_is_malformed()
    {
        using NodeIdentity key = NodeIdentity.Create();
        var cache = new ReplayCache();

        // ECDSA draws a new r for every signature: an honest node's calls never collide, even with equal timestamps
        Assert.Equal(ReplayCache.Verdict.New, cache.TryRemember(key.Fingerprint, "t", Signature(key, "t"), Now));
        Assert.Equal(ReplayCache.Verdict.New, cache.TryRemember(key.Fingerprint, "t", Signature(key, "t"), Now));
        Assert.Equal(ReplayCache.Verdict.Malformed, cache.TryRemember(key.Fingerprint, "t", [0x30, 0x03, 0x02, 0x01], Now));
    }
}
