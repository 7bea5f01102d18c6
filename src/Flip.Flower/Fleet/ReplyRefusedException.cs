namespace Flip.Flower.Fleet;

/// <summary>The server refused a node's reply while it was being uploaded (for example it exceeded <see cref="FleetServiceOptions.MaxReplyBytes"/>); what <see cref="FleetService.WaitForReplyAsync"/> throws for it.</summary>
public sealed class ReplyRefusedException : FlipException
{
    /// <summary>Creates the error.</summary>
    /// <param name="nodeId">The node that sent the reply.</param>
    /// <param name="reason">Why, without any value from the reply.</param>
    public ReplyRefusedException(ulong nodeId, string reason)
        : base($"the reply of node {nodeId} was refused: {reason}.", ExitCodes.Network)
    {
        NodeId = nodeId;
        Reason = reason;
    }

    /// <summary>The node.</summary>
    public ulong NodeId { get; }

    /// <summary>Why the reply was refused.</summary>
    public string Reason { get; }
}
