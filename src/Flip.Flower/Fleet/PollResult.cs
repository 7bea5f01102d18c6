namespace Flip.Flower.Fleet;

/// <summary>What one <see cref="FlowerNode.PollOnceAsync"/> did.</summary>
public enum PollResult
{
    /// <summary>The server had no instruction for this node.</summary>
    NoMessage,

    /// <summary>An instruction was downloaded, answered and its reply uploaded.</summary>
    Replied,

    /// <summary>An instruction was downloaded but had expired before the reply was ready; no reply was sent (the server would drop it).</summary>
    Expired,
}
