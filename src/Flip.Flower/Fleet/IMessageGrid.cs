using Flip.Flower.Objects;
using Flip.Flower.Records;

namespace Flip.Flower.Fleet;

/// <summary>
/// The nodes of a federation as the round loop (<see cref="FleetFederation"/>) sees them, as Flower's <c>Grid</c>: which
/// nodes are online, send one an instruction message, await its reply, forget it.
/// </summary>
/// <remarks>
/// Implemented by <see cref="FleetService"/> (the nodes connect to this process: <c>serve</c>) and by
/// <see cref="ServerAppIoGrid"/> (the nodes connect to a Flower SuperLink and this process is its ServerApp:
/// <c>serverapp</c>), so one round loop drives both.
/// </remarks>
public interface IMessageGrid
{
    /// <summary>Ids of the nodes that can be sent instructions now.</summary>
    /// <returns>The node ids.</returns>
    IReadOnlyList<ulong> OnlineNodes();

    /// <summary>Sends an instruction to a node; the grid fills in source, creation time, TTL and the message id.</summary>
    /// <param name="nodeId">The destination node.</param>
    /// <param name="runId">The run.</param>
    /// <param name="messageType">For example <c>train</c>.</param>
    /// <param name="content">The content.</param>
    /// <param name="groupId">Group id (Flower's FedAvg leaves it empty).</param>
    /// <param name="replyBudget">What the node's reply may cost; <see langword="null"/> for a reply as large as the content sent.</param>
    /// <returns>The instruction's message id; await its reply with <see cref="WaitForReplyAsync"/>.</returns>
    /// <exception cref="InvalidOperationException">The node is not online.</exception>
    string SendInstruction(ulong nodeId, ulong runId, string messageType, RecordDict content, string groupId = "", ObjectBudget? replyBudget = null);

    /// <summary>Waits for the complete reply to an instruction.</summary>
    /// <param name="instructionId">The id <see cref="SendInstruction"/> returned.</param>
    /// <param name="ct">Cancels the wait (round deadline).</param>
    /// <returns>The reply, with content or error.</returns>
    Task<FlowerMessage> WaitForReplyAsync(string instructionId, CancellationToken ct);

    /// <summary>Forgets an instruction once its reply was consumed or is no longer wanted; a late reply is dropped.</summary>
    /// <param name="instructionId">The id <see cref="SendInstruction"/> returned.</param>
    void Forget(string instructionId);
}
