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

    /// <summary>
    /// The largest reply (sum of its uploaded objects' bytes) the server accepts; a larger one is refused and recorded for its node.
    /// Every reply is also bounded by the model its instruction carries (<see cref="Objects.ObjectBudget.ForReplyTo"/>); this can only lower that.
    /// </summary>
    /// <value><see langword="null"/>: only the instruction's <see cref="Objects.ObjectBudget"/> applies.</value>
    public long? MaxReplyBytes { get; init; }

    /// <summary>
    /// How long an announced reply may go without one of its objects arriving before it is refused: a node that announces a
    /// reply and stops uploading frees its reply slot and the bytes it uploaded instead of holding them until the round deadline.
    /// </summary>
    /// <value>60 s (a 5 MiB chunk needs 5 s at 1 MB/s); <see langword="null"/>: no limit.</value>
    public TimeSpan? UploadIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
