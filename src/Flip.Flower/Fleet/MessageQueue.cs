using System.Collections.Concurrent;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Microsoft.Extensions.Logging;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Fleet;

/// <summary>
/// The messages of a Fleet server, as the message table of Flower's <c>LinkState</c> and its Fleet message handler: an inbox
/// of instructions per node, and for each instruction the budget of its reply, the reply's upload, its waiter, and its
/// reply slot. Instructions are here (this file); replies arrive in <c>MessageQueue.Replies.cs</c>.
/// </summary>
/// <remarks>
/// <para>An instruction lives from <see cref="Send"/> to <see cref="Forget"/>: its objects are in the
/// <see cref="ObjectStore"/> until the node confirms the download; it is <em>answered</em> once its reply was taken or
/// refused, after which any reply to it is refused.</para>
/// <para>One lock: the queue, the <see cref="NodeRegistry"/> and the <see cref="ObjectStore"/> share one gate, because a
/// step here spans them (a reply's checks read the instruction, the store's contents decide what the node must upload, an
/// upload completes a reply and releases its objects). Each part takes the gate itself; <c>lock</c> is re-entrant, so a
/// step calls the others inside its own lock. Nothing waits or rebuilds under the gate: waiting for a reply slot and
/// rebuilding a complete reply (which copies its arrays) happen after it is released.</para>
/// </remarks>
internal sealed partial class MessageQueue
{
    private readonly object _gate;
    private readonly NodeRegistry _nodes;
    private readonly ObjectStore _objects;
    private readonly FleetServiceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<ulong, Mailbox> _mailboxes = [];
    private readonly Dictionary<string, W.Metadata> _instructions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ObjectBudget> _replyBudgets = new(StringComparer.Ordinal);
    private readonly HashSet<string> _answered = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<FlowerMessage>> _replies = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim? _replySlots;
    private readonly HashSet<string> _slotHolders = new(StringComparer.Ordinal);
    private int _peakRepliesInFlight;

    /// <summary>Creates the queue.</summary>
    /// <param name="gate">The lock shared with <paramref name="nodes"/> and <paramref name="objects"/>.</param>
    /// <param name="nodes">The nodes instructions go to.</param>
    /// <param name="objects">Where instructions' and replies' objects are held.</param>
    /// <param name="options">The server's settings (TTL, reply slots and bytes, idle uploads).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where to log.</param>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="FleetServiceOptions.MaxConcurrentReplies"/> is below 1.</exception>
    public MessageQueue(object gate, NodeRegistry nodes, ObjectStore objects, FleetServiceOptions options, TimeProvider time, ILogger logger)
    {
        _gate = gate;
        _nodes = nodes;
        _objects = objects;
        _options = options;
        _time = time;
        _logger = logger;
        if (options.MaxConcurrentReplies is { } limit)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1, nameof(options));
            _replySlots = new SemaphoreSlim(limit, limit);
        }
    }

    /// <summary>Replies holding a reply slot now (see <see cref="FleetService.RepliesInFlight"/>).</summary>
    public int RepliesInFlight
    {
        get
        {
            lock (_gate)
            {
                return _slotHolders.Count;
            }
        }
    }

    /// <summary>The most replies that held a slot at once.</summary>
    public int PeakRepliesInFlight
    {
        get
        {
            lock (_gate)
            {
                return _peakRepliesInFlight;
            }
        }
    }

    /// <summary>Queues an instruction for an active node (see <see cref="FleetService.SendInstruction"/>).</summary>
    /// <param name="nodeId">The destination node.</param>
    /// <param name="runId">The run.</param>
    /// <param name="messageType">For example <c>train</c>.</param>
    /// <param name="content">The content.</param>
    /// <param name="groupId">Group id.</param>
    /// <param name="replyBudget">What the reply may cost, or <see langword="null"/> for one derived from <paramref name="content"/>.</param>
    /// <returns>The instruction's message id.</returns>
    /// <exception cref="InvalidOperationException">The node is not online.</exception>
    public string Send(ulong nodeId, ulong runId, string messageType, RecordDict content, string groupId, ObjectBudget? replyBudget)
    {
        ObjectBudget budget = replyBudget ?? ObjectBudget.ForReplyTo(content, _options.MaxReplyBytes);
        var metadata = new W.Metadata
        {
            RunId = runId,
            SrcNodeId = FleetService.SuperLinkNodeId,
            DstNodeId = nodeId,
            GroupId = groupId,
            Ttl = _options.DefaultTtl.TotalSeconds,
            MessageType = messageType,
            CreatedAt = FlowerNode.UnixSeconds(_time.GetUtcNow()),
        };
        DeflatedMessage deflated = ObjectCodec.Deflate(new FlowerMessage(metadata, content));
        lock (_gate)
        {
            if (!_nodes.IsActive(nodeId))
            {
                throw new InvalidOperationException($"Node {nodeId} is not online.");
            }

            _objects.HoldMessage(deflated);
            W.Metadata stored = deflated.Message.Metadata.Clone();
            _instructions[deflated.MessageId] = stored;
            _replyBudgets[deflated.MessageId] = budget;
            _replies.TryAdd(deflated.MessageId, new TaskCompletionSource<FlowerMessage>(TaskCreationOptions.RunContinuationsAsynchronously));
            if (!_mailboxes.TryGetValue(nodeId, out Mailbox? mailbox))
            {
                _mailboxes[nodeId] = mailbox = new();
            }

            mailbox.Inbox.Enqueue((deflated.Message, deflated.Tree));
        }

        _logger.LogInformation("Queued {Type} instruction {MessageId} for node {NodeId}", messageType, deflated.MessageId[..16], nodeId);
        return deflated.MessageId;
    }

    /// <summary>Waits for the complete reply to an instruction.</summary>
    /// <param name="instructionId">The id <see cref="Send"/> returned.</param>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>The reply.</returns>
    /// <exception cref="KeyNotFoundException">No such instruction.</exception>
    public Task<FlowerMessage> WaitForReplyAsync(string instructionId, CancellationToken ct) =>
        _replies.TryGetValue(instructionId, out TaskCompletionSource<FlowerMessage>? tcs)
            ? tcs.Task.WaitAsync(ct)
            : throw new KeyNotFoundException($"No instruction {instructionId}.");

    /// <summary>The next instruction for a node, taken out of its inbox: the message without content and its object tree.</summary>
    /// <param name="nodeId">The node.</param>
    /// <returns>The instruction, or <see langword="null"/> when there is none.</returns>
    public (W.Message Message, W.ObjectTree Tree)? Pull(ulong nodeId)
    {
        lock (_gate)
        {
            return _mailboxes.TryGetValue(nodeId, out Mailbox? mailbox)
                && mailbox.Inbox.TryDequeue(out (W.Message Message, W.ObjectTree Tree) next) ? next : null;
        }
    }

    /// <summary>A node has downloaded an instruction sent to it: the store drops the instruction's objects.</summary>
    /// <param name="nodeId">The calling node.</param>
    /// <param name="instructionId">The instruction's message id; another node's instruction is ignored.</param>
    public void Confirm(ulong nodeId, string instructionId)
    {
        lock (_gate)
        {
            if (_instructions.TryGetValue(instructionId, out W.Metadata? ins) && ins.DstNodeId == nodeId)
            {
                _objects.ReleaseMessage(instructionId);
            }
        }
    }

    /// <summary>Drops what the queue keeps per node (its inbox and its requested uploads), when the node unregisters.</summary>
    /// <param name="nodeId">The node.</param>
    public void DropNode(ulong nodeId)
    {
        lock (_gate)
        {
            _mailboxes.Remove(nodeId);
        }
    }

    /// <summary>
    /// Forgets an instruction (see <see cref="FleetService.Forget"/>): drops the reply, any half-uploaded objects and the
    /// instruction's own objects, frees its reply slot, and makes a late reply to it be refused.
    /// </summary>
    /// <param name="instructionId">The id <see cref="Send"/> returned.</param>
    public void Forget(string instructionId)
    {
        lock (_gate)
        {
            _instructions.Remove(instructionId);
            _replyBudgets.Remove(instructionId);
            _answered.Remove(instructionId);
            _objects.ReleaseMessage(instructionId);
            foreach (var (replyId, pending) in _pendingReplies.Where(p => p.Value.Message.Metadata.ReplyToMessageId == instructionId).ToList())
            {
                _pendingReplies.Remove(replyId);
                pending.Idle?.Dispose();
                _objects.Release(ObjectCodec.PostOrderIds(pending.Tree));
            }

            foreach (Queue<(W.Message Message, W.ObjectTree Tree)> inbox in _mailboxes.Values.Select(m => m.Inbox))
            {
                if (inbox.Any(m => m.Message.Metadata.MessageId == instructionId))
                {
                    var keep = inbox.Where(m => m.Message.Metadata.MessageId != instructionId).ToList();
                    inbox.Clear();
                    keep.ForEach(inbox.Enqueue);
                }
            }

            ReleaseSlot(instructionId);
        }

        if (_replies.TryRemove(instructionId, out TaskCompletionSource<FlowerMessage>? tcs))
        {
            tcs.TrySetCanceled();
        }
    }

    /// <summary>
    /// What the queue keeps per node, from the first instruction sent to it until it unregisters (<see cref="DropNode"/>): a
    /// node without one has had nothing sent, so it has nothing to pull and no reply to upload.
    /// </summary>
    private sealed class Mailbox
    {
        /// <summary>Instructions not yet pulled, oldest first.</summary>
        public Queue<(W.Message Message, W.ObjectTree Tree)> Inbox { get; } = new();

        /// <summary>The object ids the node was last asked to upload (its latest PushMessages) and has not uploaded yet.</summary>
        public HashSet<string> Asked { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Frees the instruction's reply slot, if its reply holds one. Under the gate.</summary>
    private void ReleaseSlot(string instructionId)
    {
        if (_slotHolders.Remove(instructionId))
        {
            _replySlots?.Release();
        }
    }
}
