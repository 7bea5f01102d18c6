namespace Flip.Flower.Fleet;

/// <summary>Settings of a <see cref="FleetService"/>.</summary>
public sealed record FleetServiceOptions
{
    /// <summary>Time-to-live given to instructions that have none.</summary>
    /// <value>43,200 s (12 h), Flower's default.</value>
    public TimeSpan DefaultTtl { get; init; } = TimeSpan.FromSeconds(43200);

    /// <summary>
    /// Replies that may be uploading or waiting to be consumed at once; a node pushing a reply beyond this
    /// waits in <c>PushMessages</c> until the server has consumed one (<see cref="FleetService.Forget"/>),
    /// so the server never holds more than this many updates whatever the number of nodes.
    /// </summary>
    /// <value><see langword="null"/>: no limit (callers that never call <see cref="FleetService.Forget"/> need this).</value>
    public int? MaxConcurrentReplies { get; init; }

    /// <summary>The largest reply (sum of its uploaded objects' bytes) the server accepts; a larger one is refused and recorded for its node.</summary>
    /// <value><see langword="null"/>: only gRPC's per-message limit (<see cref="FlowerChannel.MaxMessageSize"/>) applies.</value>
    public long? MaxReplyBytes { get; init; }
}
