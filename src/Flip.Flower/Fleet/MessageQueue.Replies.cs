using System.Diagnostics;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Microsoft.Extensions.Logging;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Fleet;

/// <summary>Replies: announced (<c>PushMessages</c>), uploaded object by object (<c>PushObject</c>), then rebuilt for their waiter or refused.</summary>
internal sealed partial class MessageQueue
{
    private const double EarliestCreatedAt = 1740700800; // 2025-02-28, the SuperLink's lower bound.

    private readonly Dictionary<string, PendingReply> _pendingReplies = new(StringComparer.Ordinal);

    private sealed record PendingReply(W.Message Message, W.ObjectTree Tree, HashSet<string> Missing, ulong NodeId, ObjectBudget Budget)
    {
        public long Bytes { get; set; }

        /// <summary>Fires when no object of the reply has arrived for <see cref="FleetServiceOptions.UploadIdleTimeout"/>.</summary>
        public ITimer? Idle { get; set; }

        public string InstructionId => Message.Metadata.ReplyToMessageId;
    }

    /// <summary>A reply whose objects have all arrived, taken out of the store under the gate and rebuilt after it.</summary>
    private sealed record CompleteReply(string ReplyId, string InstructionId, Dictionary<string, FlowerObject> Objects, ObjectBudget Budget);

    /// <summary>Starts a node's <c>PushMessages</c>: a node uploads the objects of one PushMessages before it sends the next, so only the latest request's list is kept.</summary>
    /// <param name="nodeId">The calling node.</param>
    public void BeginPush(ulong nodeId)
    {
        lock (_gate)
        {
            if (_mailboxes.TryGetValue(nodeId, out Mailbox? mailbox))
            {
                mailbox.Asked.Clear();
            }
        }
    }

    /// <summary>
    /// Accepts one announced reply: checks it, waits for a reply slot when the server holds as many replies as it may, holds
    /// its tree's ids in the store, and lists the objects the node must upload. A reply whose objects are all here already
    /// is rebuilt for its waiter at once.
    /// </summary>
    /// <param name="nodeId">The calling node.</param>
    /// <param name="reply">The reply, without content.</param>
    /// <param name="tree">Its object tree.</param>
    /// <param name="ct">The call's cancellation (the wait for a slot).</param>
    /// <returns>The ids of the objects the node must upload.</returns>
    /// <exception cref="FleetRefusedException">The reply fails a check (<see cref="Admit"/>); nothing is held for it.</exception>
    public async Task<IReadOnlyList<string>> AcceptReplyAsync(ulong nodeId, W.Message reply, W.ObjectTree tree, CancellationToken ct)
    {
        string instructionId = reply.Metadata?.ReplyToMessageId ?? string.Empty;
        bool waitForSlot;
        lock (_gate)
        {
            // Every check before the reply may wait for a slot, so a refused reply never queues.
            Admit(nodeId, reply, tree);
            waitForSlot = _replySlots is not null && !_slotHolders.Contains(instructionId);
        }

        if (waitForSlot)
        {
            // Back-pressure: the node's upload waits until the server has consumed an earlier reply.
            await _replySlots!.WaitAsync(ct).ConfigureAwait(false);
        }

        string[] toPush;
        CompleteReply? complete;
        lock (_gate)
        {
            if (waitForSlot)
            {
                if (!_slotHolders.Add(instructionId))
                {
                    _replySlots!.Release();
                }

                _peakRepliesInFlight = Math.Max(_peakRepliesInFlight, _slotHolders.Count);
            }

            ObjectBudget budget;
            IReadOnlyList<string> ids;
            try
            {
                // Again: another call may have pushed a reply to the same instruction while this one waited.
                (budget, ids) = Admit(nodeId, reply, tree);
            }
            catch (FleetRefusedException)
            {
                ReleaseSlot(instructionId);
                throw;
            }

            string replyId = reply.Metadata!.MessageId;
            // A node that unregistered meanwhile has no mailbox: nothing to remember for it.
            HashSet<string>? asked = _mailboxes.GetValueOrDefault(nodeId)?.Asked;
            if (_pendingReplies.TryGetValue(replyId, out PendingReply? again))
            {
                // The same reply pushed again (a retry after a lost response): the same answer, nothing held twice.
                toPush = [.. again.Missing];
                asked?.UnionWith(again.Missing);
                return toPush;
            }

            HashSet<string> missing = _objects.Preregister(ids);
            var pending = new PendingReply(reply, tree, missing, nodeId, budget);
            _pendingReplies[replyId] = pending;
            if (missing.Count > 0 && _options.UploadIdleTimeout is { } idle)
            {
                pending.Idle = _time.CreateTimer(OnIdle, replyId, idle, Timeout.InfiniteTimeSpan);
            }

            toPush = [.. missing];
            asked?.UnionWith(missing);
            complete = TakeIfComplete(replyId);
        }

        if (complete is not null)
        {
            Rebuild(complete);
        }

        return toPush;
    }

    /// <summary>
    /// Counts an arriving object against the budget of this node's replies waiting for it, before it is parsed or stored, and
    /// restarts their idle clocks; a reply over its budget is refused.
    /// </summary>
    /// <param name="nodeId">The uploading node.</param>
    /// <param name="objectId">The object id the node names.</param>
    /// <param name="size">The object's length in bytes.</param>
    /// <exception cref="FleetRefusedException">A reply went over its budget (and is refused).</exception>
    public void Charge(ulong nodeId, string objectId, long size)
    {
        lock (_gate)
        {
            foreach (PendingReply p in _pendingReplies.Values.Where(p => p.NodeId == nodeId && p.Missing.Contains(objectId)).ToList())
            {
                p.Bytes += size;
                if (p.Bytes <= p.Budget.MaxBytes)
                {
                    p.Idle?.Change(_options.UploadIdleTimeout ?? Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    continue;
                }

                string reason = SiteFlowerApp.Invariant($"oversize: the reply exceeds the server's limit of {p.Budget.MaxBytes} bytes (at least {p.Bytes} bytes)");
                Refuse(p, reason);
                throw FleetRefusedException.ReplyOverBudget(reason);
            }
        }
    }

    /// <summary>
    /// Stores an uploaded object for the replies waiting for it, and rebuilds each reply it completes (after the gate, so other
    /// nodes' calls do not wait for the copy).
    /// </summary>
    /// <param name="nodeId">The uploading node.</param>
    /// <param name="obj">The object, parsed and its id checked.</param>
    /// <exception cref="FleetRefusedException">No pushed reply announced the object.</exception>
    public void AcceptObject(ulong nodeId, FlowerObject obj)
    {
        var complete = new List<CompleteReply>();
        lock (_gate)
        {
            bool asked = _mailboxes.TryGetValue(nodeId, out Mailbox? mailbox) && mailbox.Asked.Remove(obj.Id);
            PendingReply[] waiting = [.. _pendingReplies.Values.Where(p => p.Missing.Contains(obj.Id))];
            if (waiting.Length == 0 && asked)
            {
                // Objects are content-addressed: another node's reply can hold an identical array and upload it first, after this
                // node was asked for it. Its reply no longer waits for the object, so there is nothing to store; the upload succeeds.
                return;
            }

            if (waiting.Length == 0)
            {
                throw FleetRefusedException.NotAnnounced(obj.Id);
            }

            _objects.Add(obj);
            foreach (PendingReply p in waiting)
            {
                p.Missing.Remove(obj.Id);
                if (TakeIfComplete(p.Message.Metadata.MessageId) is { } c)
                {
                    complete.Add(c);
                }
            }
        }

        // Rebuilding a reply copies its arrays together: outside the gate, so other nodes' calls do not wait for it.
        complete.ForEach(Rebuild);
    }

    /// <summary>An upload that stopped: its reply is refused, which frees its slot and its objects for the other nodes.</summary>
    private void OnIdle(object? state)
    {
        lock (_gate)
        {
            if (_pendingReplies.TryGetValue((string)state!, out PendingReply? p) && p.Missing.Count > 0)
            {
                Refuse(p, SiteFlowerApp.Invariant($"idle upload: no object of the reply arrived for {_options.UploadIdleTimeout?.TotalSeconds} s"));
            }
        }
    }

    /// <summary>Drops a pending reply and records why for its instruction; later replies to the instruction are refused. Under the gate.</summary>
    private void Refuse(PendingReply p, string reason)
    {
        string replyId = p.Message.Metadata.MessageId;
        string instructionId = p.InstructionId;
        _pendingReplies.Remove(replyId);
        p.Idle?.Dispose();
        _objects.Release(ObjectCodec.PostOrderIds(p.Tree));
        ReleaseSlot(instructionId);
        _answered.Add(instructionId);
        _logger.LogWarning("Refused the reply of node {NodeId} to {MessageId}: {Reason}", p.NodeId, instructionId[..Math.Min(16, instructionId.Length)], reason);
        if (_replies.TryGetValue(instructionId, out TaskCompletionSource<FlowerMessage>? tcs))
        {
            tcs.TrySetException(new ReplyRefusedException(p.NodeId, reason));
        }
    }

    /// <summary>Takes a reply whose objects have all arrived out of the store (references only, no copy). Under the gate.</summary>
    private CompleteReply? TakeIfComplete(string replyId)
    {
        PendingReply p = _pendingReplies[replyId];
        if (p.Missing.Count > 0)
        {
            return null;
        }

        _pendingReplies.Remove(replyId);
        p.Idle?.Dispose();
        Dictionary<string, FlowerObject> objects = _objects.Take(ObjectCodec.PostOrderIds(p.Tree));
        _answered.Add(p.InstructionId);
        return new CompleteReply(replyId, p.InstructionId, objects, p.Budget);
    }

    /// <summary>Rebuilds a complete reply within its budget, outside the gate, and hands it (or why it failed) to its waiter.</summary>
    private void Rebuild(CompleteReply complete)
    {
        Debug.Assert(!Monitor.IsEntered(_gate), "a reply is rebuilt outside the gate");
        _replies.TryGetValue(complete.InstructionId, out TaskCompletionSource<FlowerMessage>? tcs);
        FlowerMessage reply;
        try
        {
            reply = ObjectCodec.Inflate(complete.ReplyId, complete.Objects, complete.Budget);
        }
        catch (FlowerProtocolException e)
        {
            lock (_gate)
            {
                ReleaseSlot(complete.InstructionId);
            }

            _logger.LogWarning("Reply {ReplyId} could not be rebuilt: {Reason}", complete.ReplyId[..16], e.Message);
            tcs?.TrySetException(e);
            return;
        }

        tcs?.TrySetResult(reply);
    }

    /// <summary>
    /// The checks on a pushed reply before the server holds anything for it: the SuperLink's (<see cref="CheckReply"/>), one reply
    /// per instruction, and its tree within the instruction's <see cref="ObjectBudget"/>. Under the gate.
    /// </summary>
    private (ObjectBudget Budget, IReadOnlyList<string> Ids) Admit(ulong nodeId, W.Message reply, W.ObjectTree tree)
    {
        CheckReply(nodeId, reply, tree);
        string instructionId = reply.Metadata.ReplyToMessageId;
        if (_answered.Contains(instructionId))
        {
            throw FleetRefusedException.AlreadyAnswered();
        }

        if (_pendingReplies.Values.Any(p => p.InstructionId == instructionId && p.Message.Metadata.MessageId != reply.Metadata.MessageId))
        {
            throw FleetRefusedException.ReplyUploading();
        }

        ObjectBudget budget = _replyBudgets.GetValueOrDefault(instructionId) ?? ObjectBudget.Unlimited;
        IReadOnlyList<string> ids = ObjectCodec.PostOrderIds(tree, budget.MaxObjects);
        if (ids.Count > budget.MaxObjects)
        {
            throw FleetRefusedException.TreeOverBudget(budget.MaxObjects);
        }

        return (budget, ids);
    }

    /// <summary>The SuperLink's checks on a reply (flower-protocol.md (b)): a reply failing one is refused.</summary>
    private void CheckReply(ulong nodeId, W.Message reply, W.ObjectTree tree)
    {
        W.Metadata m = reply.Metadata ?? throw FleetRefusedException.ReplyWithoutMetadata();
        string? problem = null;
        double now = FlowerNode.UnixSeconds(_time.GetUtcNow());
        if (string.IsNullOrEmpty(m.MessageId) || m.MessageId != tree.ObjectId)
        {
            problem = "message_id must be the object id of the Message (the tree's root)";
        }
        else if (!_instructions.TryGetValue(m.ReplyToMessageId, out W.Metadata? ins) || ins.DstNodeId != m.SrcNodeId)
        {
            problem = "reply_to_message_id is not an instruction sent to this reply's src_node_id";
        }
        else if (m.SrcNodeId != nodeId)
        {
            problem = "src_node_id is not the calling node";
        }
        else if (m.DstNodeId != FleetService.SuperLinkNodeId)
        {
            problem = "dst_node_id must be 1 (the SuperLink)";
        }
        else if (m.RunId != ins.RunId)
        {
            problem = "run_id differs from the instruction's";
        }
        else if (m.CreatedAt < EarliestCreatedAt)
        {
            problem = "created_at is before 2025-02-28";
        }
        else if (m.Ttl <= 0 || m.CreatedAt + m.Ttl <= now)
        {
            problem = "the reply has expired (ttl ≤ 0 or created_at + ttl in the past)";
        }
        else if (m.CreatedAt + m.Ttl > ins.CreatedAt + ins.Ttl + 0.1)
        {
            problem = "the reply outlives its instruction (created_at + ttl beyond the instruction's)";
        }
        else if (string.IsNullOrEmpty(m.MessageType))
        {
            problem = "message_type is empty";
        }
        else if ((reply.Content is null) == (reply.Error is null))
        {
            problem = "exactly one of content and error must be set";
        }

        if (problem is not null)
        {
            throw FleetRefusedException.InvalidReply(problem);
        }
    }
}
