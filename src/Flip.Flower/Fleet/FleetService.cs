using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Flip.Flower.Auth;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Fleet;

/// <summary>
/// The server side of the Fleet API as a Flower 1.27 SuperLink answers it: node registration with
/// signed calls, heartbeats, an instruction queue per node, the content-addressed object store and
/// the SuperLink's checks on replies. A strategy (or a test) puts instructions in with
/// <see cref="SendInstruction"/> and awaits replies with <see cref="WaitForReplyAsync"/>.
/// </summary>
/// <remarks>
/// Host it with <see cref="FlowerServerHost"/>. Python SuperNodes also need the run's app bundle
/// (<see cref="StartRun"/>'s <c>fab</c>); .NET nodes do not. All state is in memory.
/// </remarks>
public sealed class FleetService : W.Fleet.FleetBase, IMessageGrid
{
    /// <summary>The server's own node id: source of instructions, destination of replies.</summary>
    public const ulong SuperLinkNodeId = 1;

    /// <summary>
    /// The largest request message the service reads: one array chunk (<see cref="ObjectCodec.MaxChunkSize"/>, the largest
    /// object a Flower node uploads) and 64 KiB for the rest of a <c>PushObject</c>; every other Fleet request is smaller.
    /// </summary>
    public const int MaxRequestBytes = ObjectCodec.MaxChunkSize + (64 * 1024);

    /// <summary>Where <see cref="RequestGate"/> leaves the authenticated caller's key fingerprint for the call.</summary>
    internal const string CallerItem = "flip.fleet.caller";

    private const double EarliestCreatedAt = 1740700800; // 2025-02-28, the SuperLink's lower bound.

    private readonly object _gate = new();
    private readonly FleetServiceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ReplayCache _replays = new();
    private readonly Dictionary<string, ulong> _nodeByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, NodeState> _nodes = [];
    private readonly Dictionary<ulong, W.Run> _runs = [];
    private readonly Dictionary<string, W.Fab> _fabs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FlowerObject> _objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _references = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _instructionObjects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, W.Metadata> _instructions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PendingReply> _pendingReplies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ObjectBudget> _replyBudgets = new(StringComparer.Ordinal);
    private readonly HashSet<string> _answered = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<FlowerMessage>> _replies = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim? _replySlots;
    private readonly HashSet<string> _slotHolders = new(StringComparer.Ordinal);
    private int _peakRepliesInFlight;
    private long _streamedObjects;

    /// <summary>Creates the service.</summary>
    /// <param name="options">Settings; <see langword="null"/> for defaults.</param>
    /// <param name="time">The clock; <see langword="null"/> for the system clock.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    public FleetService(FleetServiceOptions? options = null, TimeProvider? time = null, ILogger<FleetService>? logger = null)
    {
        _options = options ?? new FleetServiceOptions();
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (_options.MaxConcurrentReplies is { } limit)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1, nameof(options));
            _replySlots = new SemaphoreSlim(limit, limit);
        }
    }

    private sealed class NodeState(ulong id, string key)
    {
        public ulong Id { get; } = id;

        /// <summary>The node's key fingerprint (<see cref="KeyFingerprint"/>): one key, one node, however its PEM text is written.</summary>
        public string Key { get; } = key;

        public bool Online { get; set; }

        public DateTimeOffset LastSeen { get; set; }

        public TimeSpan HeartbeatInterval { get; set; }

        public Queue<(W.Message Message, W.ObjectTree Tree)> Inbox { get; } = new();

        /// <summary>The object ids this node was last asked to upload (its latest PushMessages) and has not uploaded yet.</summary>
        public HashSet<string> Asked { get; } = new(StringComparer.Ordinal);
    }

    private sealed record PendingReply(W.Message Message, W.ObjectTree Tree, HashSet<string> Missing, ulong NodeId, ObjectBudget Budget)
    {
        public long Bytes { get; set; }

        /// <summary>Fires when no object of the reply has arrived for <see cref="FleetServiceOptions.UploadIdleTimeout"/>.</summary>
        public ITimer? Idle { get; set; }

        public string InstructionId => Message.Metadata.ReplyToMessageId;
    }

    /// <summary>A reply whose objects have all arrived, taken out of the store under the lock and rebuilt after it.</summary>
    private sealed record CompleteReply(string ReplyId, string InstructionId, Dictionary<string, FlowerObject> Objects, ObjectBudget Budget);

    /// <summary>Replies holding one of the <see cref="FleetServiceOptions.MaxConcurrentReplies"/> slots now (uploading, or complete and not yet forgotten).</summary>
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

    /// <summary>The most replies that held a slot at once since the service started.</summary>
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

    /// <summary>
    /// Forgets an instruction once its reply was consumed or is no longer wanted (round deadline): drops
    /// the reply, any half-uploaded objects and the instruction's own objects, frees its reply slot, and
    /// makes a late reply to it be refused.
    /// </summary>
    /// <param name="instructionId">The id <see cref="SendInstruction"/> returned.</param>
    public void Forget(string instructionId)
    {
        ArgumentNullException.ThrowIfNull(instructionId);
        lock (_gate)
        {
            _instructions.Remove(instructionId);
            _replyBudgets.Remove(instructionId);
            _answered.Remove(instructionId);
            if (_instructionObjects.Remove(instructionId, out string[]? ids))
            {
                ReleaseReferences(ids);
            }

            foreach (var (replyId, pending) in _pendingReplies.Where(p => p.Value.Message.Metadata.ReplyToMessageId == instructionId).ToList())
            {
                _pendingReplies.Remove(replyId);
                pending.Idle?.Dispose();
                ReleaseReferences(ObjectCodec.PostOrderIds(pending.Tree));
            }

            foreach (var (_, node) in _nodes)
            {
                if (node.Inbox.Any(m => m.Message.Metadata.MessageId == instructionId))
                {
                    var keep = node.Inbox.Where(m => m.Message.Metadata.MessageId != instructionId).ToList();
                    node.Inbox.Clear();
                    keep.ForEach(node.Inbox.Enqueue);
                }
            }

            ReleaseSlot(instructionId);
        }

        if (_replies.TryRemove(instructionId, out TaskCompletionSource<FlowerMessage>? tcs))
        {
            tcs.TrySetCanceled();
        }
    }

    private void ReleaseSlot(string instructionId)
    {
        if (_slotHolders.Remove(instructionId))
        {
            _replySlots?.Release();
        }
    }

    /// <summary>Ids of the nodes that are activated and whose last call or heartbeat is no older than their heartbeat interval.</summary>
    /// <returns>The online node ids, in registration order.</returns>
    /// <remarks>A node that stops sending heartbeats drops out of this list after its announced interval (30 s for Flower's SuperNode); strategies sample from it and record the rest as dropouts.</remarks>
    public IReadOnlyList<ulong> OnlineNodes()
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            return [.. _nodes.Values.Where(n => n.Online && now - n.LastSeen <= n.HeartbeatInterval).Select(n => n.Id)];
        }
    }

    /// <summary>Objects sent to nodes by streaming (large <c>PullObject</c> responses, <see cref="ObjectDownloads"/>) so far.</summary>
    public long StreamedObjectCount => Interlocked.Read(ref _streamedObjects);

    /// <summary>Objects held in the store: those of instructions not yet confirmed and of replies not yet complete.</summary>
    /// <remarks>An object is dropped once no pending instruction or reply refers to it, so memory does not grow with rounds.</remarks>
    public int StoredObjectCount
    {
        get
        {
            lock (_gate)
            {
                return _objects.Count;
            }
        }
    }

    /// <summary>Registers a run with status <c>running</c>, so nodes can fetch its information (and its app bundle, when given).</summary>
    /// <param name="runId">The run id (full-range <c>ulong</c>).</param>
    /// <param name="overrideConfig">Run-config values sent to nodes in <c>Run.override_config</c>.</param>
    /// <param name="fab">
    /// A Flower app bundle (FAB zip: <c>pyproject.toml</c>, the Python ClientApp, <c>.info/CONTENT</c>)
    /// for Python SuperNodes, or <see langword="null"/> when only .NET nodes join. Its SHA-256 hex
    /// becomes <c>Run.fab_hash</c> and <c>GetFab</c> serves it; this service does not check its contents.
    /// </param>
    /// <param name="fabId">The app's <c>publisher/name</c> (<c>Run.fab_id</c>).</param>
    /// <param name="fabVersion">The app's version (<c>Run.fab_version</c>).</param>
    public void StartRun(ulong runId, IReadOnlyDictionary<string, W.Scalar>? overrideConfig = null, byte[]? fab = null, string fabId = "", string fabVersion = "")
    {
        var run = new W.Run
        {
            RunId = runId,
            Status = new W.RunStatus { Status = "running" },
            Federation = "@none/default",
            FabId = fabId ?? string.Empty,
            FabVersion = fabVersion ?? string.Empty,
        };
        if (overrideConfig is not null)
        {
            foreach ((string key, W.Scalar value) in overrideConfig)
            {
                run.OverrideConfig[key] = value;
            }
        }

        lock (_gate)
        {
            if (fab is not null)
            {
                run.FabHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(fab));
                _fabs[run.FabHash] = new W.Fab { HashStr = run.FabHash, Content = ByteString.CopyFrom(fab) };
            }

            _runs[runId] = run;
        }
    }

    /// <summary>Queues an instruction for a node; the service fills in source, destination, creation time, TTL and the message id.</summary>
    /// <param name="nodeId">The destination node.</param>
    /// <param name="runId">The run (see <see cref="StartRun"/>).</param>
    /// <param name="messageType">For example <c>train</c>.</param>
    /// <param name="content">The content.</param>
    /// <param name="groupId">Group id (Flower's FedAvg leaves it empty).</param>
    /// <param name="replyBudget">
    /// What the node's reply may cost the server (bytes uploaded and rebuilt, objects announced, arrays named);
    /// <see langword="null"/> for <see cref="ObjectBudget.ForReplyTo"/> of <paramref name="content"/> (a reply as large as the
    /// model sent, in any dtype of up to 8 bytes), capped by <see cref="FleetServiceOptions.MaxReplyBytes"/>.
    /// </param>
    /// <returns>The instruction's message id; await its reply with <see cref="WaitForReplyAsync"/>.</returns>
    /// <exception cref="InvalidOperationException">The node is not online.</exception>
    public string SendInstruction(ulong nodeId, ulong runId, string messageType, RecordDict content, string groupId = "", ObjectBudget? replyBudget = null)
    {
        ObjectBudget budget = replyBudget ?? ObjectBudget.ForReplyTo(content, _options.MaxReplyBytes);
        var metadata = new W.Metadata
        {
            RunId = runId,
            SrcNodeId = SuperLinkNodeId,
            DstNodeId = nodeId,
            GroupId = groupId,
            Ttl = _options.DefaultTtl.TotalSeconds,
            MessageType = messageType,
            CreatedAt = FlowerNode.UnixSeconds(_time.GetUtcNow()),
        };
        DeflatedMessage deflated = ObjectCodec.Deflate(new FlowerMessage(metadata, content));
        lock (_gate)
        {
            if (!_nodes.TryGetValue(nodeId, out NodeState? node) || !node.Online)
            {
                throw new InvalidOperationException($"Node {nodeId} is not online.");
            }

            foreach ((string id, FlowerObject obj) in deflated.Objects)
            {
                _objects.TryAdd(id, obj);
            }

            string[] ids = [.. deflated.PostOrderIds];
            AddReferences(ids);
            _instructionObjects[deflated.MessageId] = ids;

            W.Metadata stored = deflated.Message.Metadata.Clone();
            _instructions[deflated.MessageId] = stored;
            _replyBudgets[deflated.MessageId] = budget;
            _replies.TryAdd(deflated.MessageId, new TaskCompletionSource<FlowerMessage>(TaskCreationOptions.RunContinuationsAsynchronously));
            node.Inbox.Enqueue((deflated.Message, deflated.Tree));
        }

        _logger.LogInformation("Queued {Type} instruction {MessageId} for node {NodeId}", messageType, deflated.MessageId[..16], nodeId);
        return deflated.MessageId;
    }

    /// <summary>Waits for the complete reply (all objects uploaded) to an instruction.</summary>
    /// <param name="instructionId">The id <see cref="SendInstruction"/> returned.</param>
    /// <param name="ct">Cancels the wait (round deadline).</param>
    /// <returns>The reply, with content or error.</returns>
    /// <exception cref="KeyNotFoundException">No such instruction.</exception>
    public Task<FlowerMessage> WaitForReplyAsync(string instructionId, CancellationToken ct) =>
        _replies.TryGetValue(instructionId, out TaskCompletionSource<FlowerMessage>? tcs)
            ? tcs.Task.WaitAsync(ct)
            : throw new KeyNotFoundException($"No instruction {instructionId}.");

    /// <inheritdoc/>
    public override Task<W.RegisterNodeFleetResponse> RegisterNode(W.RegisterNodeFleetRequest request, ServerCallContext context)
    {
        string key = Caller(context);
        if (!KeyFingerprint.TryOfPem(request.PublicKey.Span, out string requestKey) || requestKey != key)
        {
            throw Fail(StatusCode.FailedPrecondition, "public_key differs from the key that signed the call");
        }

        lock (_gate)
        {
            // Keyed by fingerprint: the same key in another PEM form (CRLF, trailing text, other line wrapping) is the same node.
            if (_nodeByKey.ContainsKey(key))
            {
                throw Fail(StatusCode.FailedPrecondition, "Public key already in use");
            }

            // Full-range and unpredictable, as the SuperLink's (os.urandom): an id tells nothing about other nodes or runs.
            Span<byte> random = stackalloc byte[sizeof(ulong)];
            ulong id;
            do
            {
                RandomNumberGenerator.Fill(random);
                id = BinaryPrimitives.ReadUInt64LittleEndian(random);
            }
            while (id <= SuperLinkNodeId || _nodes.ContainsKey(id));

            _nodeByKey[key] = id;
            _nodes[id] = new NodeState(id, key);
            _logger.LogInformation("Registered node {NodeId}", id);
            return Task.FromResult(new W.RegisterNodeFleetResponse { NodeId = id });
        }
    }

    /// <inheritdoc/>
    public override Task<W.ActivateNodeResponse> ActivateNode(W.ActivateNodeRequest request, ServerCallContext context)
    {
        string key = Caller(context);
        CheckHeartbeatInterval(request.HeartbeatInterval);
        lock (_gate)
        {
            if (!_nodeByKey.TryGetValue(key, out ulong id))
            {
                throw Fail(StatusCode.FailedPrecondition, "No node found for this public key");
            }

            NodeState node = _nodes[id];
            node.Online = true;
            node.LastSeen = _time.GetUtcNow();
            node.HeartbeatInterval = TimeSpan.FromSeconds(request.HeartbeatInterval);
            return Task.FromResult(new W.ActivateNodeResponse { NodeId = id });
        }
    }

    /// <inheritdoc/>
    public override Task<W.DeactivateNodeResponse> DeactivateNode(W.DeactivateNodeRequest request, ServerCallContext context)
    {
        NodeState node = NodeFor(Caller(context), request.NodeId);
        lock (_gate)
        {
            node.Online = false;
        }

        return Task.FromResult(new W.DeactivateNodeResponse());
    }

    /// <inheritdoc/>
    public override Task<W.UnregisterNodeFleetResponse> UnregisterNode(W.UnregisterNodeFleetRequest request, ServerCallContext context)
    {
        NodeState node = NodeFor(Caller(context), request.NodeId);
        lock (_gate)
        {
            _nodes.Remove(node.Id);
            _nodeByKey.Remove(node.Key);
        }

        return Task.FromResult(new W.UnregisterNodeFleetResponse());
    }

    /// <inheritdoc/>
    public override Task<W.SendNodeHeartbeatResponse> SendNodeHeartbeat(W.SendNodeHeartbeatRequest request, ServerCallContext context)
    {
        CheckHeartbeatInterval(request.HeartbeatInterval);
        NodeState node = NodeFor(Caller(context), request.Node?.NodeId ?? 0);
        lock (_gate)
        {
            node.LastSeen = _time.GetUtcNow();
            node.HeartbeatInterval = TimeSpan.FromSeconds(request.HeartbeatInterval);
        }

        return Task.FromResult(new W.SendNodeHeartbeatResponse { Success = true });
    }

    /// <inheritdoc/>
    public override Task<W.PullMessagesResponse> PullMessages(W.PullMessagesRequest request, ServerCallContext context)
    {
        NodeState node = NodeFor(Caller(context), request.Node?.NodeId ?? 0);
        var response = new W.PullMessagesResponse();
        lock (_gate)
        {
            if (node.Inbox.TryDequeue(out (W.Message Message, W.ObjectTree Tree) next))
            {
                response.MessagesList.Add(next.Message);
                response.MessageObjectTrees.Add(next.Tree);
            }
        }

        return Task.FromResult(response);
    }

    /// <inheritdoc/>
    public override Task<W.GetRunResponse> GetRun(W.GetRunRequest request, ServerCallContext context)
    {
        NodeFor(Caller(context), request.Node?.NodeId ?? 0);
        lock (_gate)
        {
            return _runs.TryGetValue(request.RunId, out W.Run? run)
                ? Task.FromResult(new W.GetRunResponse { Run = run.Clone() })
                : throw Fail(StatusCode.FailedPrecondition, $"Run ID not found: {request.RunId}");
        }
    }

    /// <inheritdoc/>
    public override Task<W.GetFabResponse> GetFab(W.GetFabRequest request, ServerCallContext context)
    {
        NodeFor(Caller(context), request.Node?.NodeId ?? 0);
        lock (_gate)
        {
            return _fabs.TryGetValue(request.HashStr, out W.Fab? fab)
                ? Task.FromResult(new W.GetFabResponse { Fab = fab })
                : throw Fail(StatusCode.FailedPrecondition, $"No FAB with hash {request.HashStr}; this server serves only the app bundles given to StartRun");
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Hosted by <see cref="FlowerServerHost"/>, large objects do not come here: <see cref="ObjectDownloads"/> streams them
    /// (<see cref="ObjectToStream"/>), so that the transport never holds a whole object per waiting download.
    /// </remarks>
    public override Task<W.PullObjectResponse> PullObject(W.PullObjectRequest request, ServerCallContext context)
    {
        NodeFor(Caller(context), request.Node?.NodeId ?? 0);
        lock (_gate)
        {
            return Task.FromResult(_objects.TryGetValue(request.ObjectId, out FlowerObject? obj)
                ? new W.PullObjectResponse { ObjectFound = true, ObjectAvailable = true, ObjectContent = UnsafeByteOperations.UnsafeWrap(obj.Content) }
                : new W.PullObjectResponse { ObjectFound = false });
        }
    }

    /// <summary>
    /// The object a <c>PullObject</c> call asks for, when the call passes every check <see cref="PullObject"/> makes and the
    /// object is at least <paramref name="minimumLength"/> bytes; otherwise <see langword="null"/>, and the call is left to
    /// <see cref="PullObject"/>, which answers it (with the error, if any).
    /// </summary>
    /// <param name="http">The call, authenticated by <see cref="RequestGate"/>.</param>
    /// <param name="request">The request.</param>
    /// <param name="minimumLength">Smaller objects are not worth streaming.</param>
    /// <returns>The object, or <see langword="null"/>.</returns>
    internal FlowerObject? ObjectToStream(HttpContext http, W.PullObjectRequest request, int minimumLength)
    {
        if (http.Items[CallerItem] is not string caller)
        {
            return null;
        }

        try
        {
            NodeFor(caller, request.Node?.NodeId ?? 0);
        }
        catch (RpcException)
        {
            return null;
        }

        lock (_gate)
        {
            return _objects.TryGetValue(request.ObjectId, out FlowerObject? obj) && obj.Length >= minimumLength ? obj : null;
        }
    }

    /// <summary>Counts an object that <see cref="ObjectDownloads"/> finished streaming.</summary>
    internal void CountStreamed() => Interlocked.Increment(ref _streamedObjects);

    /// <inheritdoc/>
    public override Task<W.ConfirmMessageReceivedResponse> ConfirmMessageReceived(W.ConfirmMessageReceivedRequest request, ServerCallContext context)
    {
        NodeState node = NodeFor(Caller(context), request.Node?.NodeId ?? 0);
        lock (_gate)
        {
            if (_instructions.TryGetValue(request.MessageObjectId, out W.Metadata? ins) && ins.DstNodeId == node.Id
                && _instructionObjects.Remove(request.MessageObjectId, out string[]? ids))
            {
                ReleaseReferences(ids);
            }
        }

        _logger.LogDebug("Node {NodeId} confirmed {MessageId}", node.Id, request.MessageObjectId);
        return Task.FromResult(new W.ConfirmMessageReceivedResponse());
    }

    /// <inheritdoc/>
    public override async Task<W.PushMessagesResponse> PushMessages(W.PushMessagesRequest request, ServerCallContext context)
    {
        NodeState node = NodeFor(Caller(context), request.Node?.NodeId ?? 0);
        if (request.MessagesList.Count != request.MessageObjectTrees.Count)
        {
            throw Fail(StatusCode.InvalidArgument, "messages_list and message_object_trees differ in length");
        }

        var response = new W.PushMessagesResponse { Reconnect = new W.Reconnect { Reconnect_ = 5 } };
        lock (_gate)
        {
            // A node uploads the objects of one PushMessages before it sends the next, so only the latest request's list is kept.
            node.Asked.Clear();
        }

        for (int i = 0; i < request.MessagesList.Count; i++)
        {
            W.Message reply = request.MessagesList[i];
            W.ObjectTree tree = request.MessageObjectTrees[i];
            string instructionId = reply.Metadata?.ReplyToMessageId ?? string.Empty;
            bool waitForSlot;
            lock (_gate)
            {
                // Every check before the reply may wait for a slot, so a refused reply never queues.
                Admit(node, reply, tree);
                waitForSlot = _replySlots is not null && !_slotHolders.Contains(instructionId);
            }

            if (waitForSlot)
            {
                // Back-pressure: the node's upload waits until the server has consumed an earlier reply.
                await _replySlots!.WaitAsync(context.CancellationToken).ConfigureAwait(false);
            }

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
                    (budget, ids) = Admit(node, reply, tree);
                }
                catch (RpcException)
                {
                    ReleaseSlot(instructionId);
                    throw;
                }

                string replyId = reply.Metadata!.MessageId;
                if (_pendingReplies.TryGetValue(replyId, out PendingReply? again))
                {
                    // The same reply pushed again (a retry after a lost response): the same answer, nothing held twice.
                    response.Results[replyId] = 0;
                    response.ObjectsToPush.AddRange(again.Missing);
                    node.Asked.UnionWith(again.Missing);
                    continue;
                }

                var missing = new HashSet<string>(ids.Where(id => !_objects.ContainsKey(id)), StringComparer.Ordinal);
                AddReferences(ids);
                var pending = new PendingReply(reply, tree, missing, node.Id, budget);
                _pendingReplies[replyId] = pending;
                if (missing.Count > 0 && _options.UploadIdleTimeout is { } idle)
                {
                    pending.Idle = _time.CreateTimer(OnIdle, replyId, idle, Timeout.InfiniteTimeSpan);
                }

                response.Results[replyId] = 0;
                response.ObjectsToPush.AddRange(missing);
                node.Asked.UnionWith(missing);
                complete = TakeIfComplete(replyId);
            }

            if (complete is not null)
            {
                Rebuild(complete);
            }
        }

        return response;
    }

    /// <summary>
    /// The checks on a pushed reply before the server holds anything for it: the SuperLink's (<see cref="CheckReply"/>), one reply
    /// per instruction, and its tree within the instruction's <see cref="ObjectBudget"/>. Called under the lock.
    /// </summary>
    private (ObjectBudget Budget, IReadOnlyList<string> Ids) Admit(NodeState node, W.Message reply, W.ObjectTree tree)
    {
        CheckReply(node, reply, tree);
        string instructionId = reply.Metadata.ReplyToMessageId;
        if (_answered.Contains(instructionId))
        {
            throw Fail(StatusCode.FailedPrecondition, "Invalid reply: the instruction was already answered (its reply was taken or refused)");
        }

        if (_pendingReplies.Values.Any(p => p.InstructionId == instructionId && p.Message.Metadata.MessageId != reply.Metadata.MessageId))
        {
            throw Fail(StatusCode.FailedPrecondition, "Invalid reply: a reply to this instruction is already being uploaded; one reply per instruction");
        }

        ObjectBudget budget = _replyBudgets.GetValueOrDefault(instructionId) ?? ObjectBudget.Unlimited;
        IReadOnlyList<string> ids = ObjectCodec.PostOrderIds(tree, budget.MaxObjects);
        if (ids.Count > budget.MaxObjects)
        {
            throw Fail(StatusCode.ResourceExhausted, SiteFlowerApp.Invariant($"oversize: the reply's tree announces more than {budget.MaxObjects} objects, the most its instruction's model needs"));
        }

        return (budget, ids);
    }

    /// <inheritdoc/>
    public override Task<W.PushObjectResponse> PushObject(W.PushObjectRequest request, ServerCallContext context)
    {
        NodeState node = NodeFor(Caller(context), request.Node?.NodeId ?? 0);
        Charge(node, request.ObjectId, request.ObjectContent.Length);

        FlowerObject obj;
        try
        {
            obj = FlowerObject.Parse(request.ObjectContent.Memory, request.ObjectId);
        }
        catch (FlowerProtocolException e)
        {
            throw Fail(StatusCode.FailedPrecondition, e.Message);
        }

        var complete = new List<CompleteReply>();
        lock (_gate)
        {
            bool asked = node.Asked.Remove(obj.Id);
            PendingReply[] waiting = [.. _pendingReplies.Values.Where(p => p.Missing.Contains(obj.Id))];
            if (waiting.Length == 0 && asked)
            {
                // Objects are content-addressed: another node's reply can hold an identical array and upload it first, after this
                // node was asked for it. Its reply no longer waits for the object, so there is nothing to store; the upload succeeds.
                return Task.FromResult(new W.PushObjectResponse { Stored = true });
            }

            if (waiting.Length == 0)
            {
                throw Fail(StatusCode.FailedPrecondition, $"object {obj.Id} was not announced in a pushed message's object tree");
            }

            _objects.TryAdd(obj.Id, obj);
            foreach (PendingReply p in waiting)
            {
                p.Missing.Remove(obj.Id);
                if (TakeIfComplete(p.Message.Metadata.MessageId) is { } c)
                {
                    complete.Add(c);
                }
            }
        }

        // Rebuilding a reply copies its arrays together: outside the lock, so other nodes' calls do not wait for it.
        complete.ForEach(Rebuild);
        return Task.FromResult(new W.PushObjectResponse { Stored = true });
    }

    /// <summary>
    /// Counts an arriving object against the budget of this node's replies waiting for it, before it is parsed or stored, and
    /// restarts their idle clocks; a reply over its budget is refused and the call fails with <c>RESOURCE_EXHAUSTED</c>.
    /// </summary>
    private void Charge(NodeState node, string objectId, long size)
    {
        lock (_gate)
        {
            foreach (PendingReply p in _pendingReplies.Values.Where(p => p.NodeId == node.Id && p.Missing.Contains(objectId)).ToList())
            {
                p.Bytes += size;
                if (p.Bytes <= p.Budget.MaxBytes)
                {
                    p.Idle?.Change(_options.UploadIdleTimeout ?? Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    continue;
                }

                string reason = SiteFlowerApp.Invariant($"oversize: the reply exceeds the server's limit of {p.Budget.MaxBytes} bytes (at least {p.Bytes} bytes)");
                Refuse(p, reason);
                throw Fail(StatusCode.ResourceExhausted, reason);
            }
        }
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

    /// <summary>Drops a pending reply and records why for its instruction; later replies to the instruction are refused. Under the lock.</summary>
    private void Refuse(PendingReply p, string reason)
    {
        string replyId = p.Message.Metadata.MessageId;
        string instructionId = p.InstructionId;
        _pendingReplies.Remove(replyId);
        p.Idle?.Dispose();
        ReleaseReferences(ObjectCodec.PostOrderIds(p.Tree));
        ReleaseSlot(instructionId);
        _answered.Add(instructionId);
        _logger.LogWarning("Refused the reply of node {NodeId} to {MessageId}: {Reason}", p.NodeId, instructionId[..Math.Min(16, instructionId.Length)], reason);
        if (_replies.TryGetValue(instructionId, out TaskCompletionSource<FlowerMessage>? tcs))
        {
            tcs.TrySetException(new ReplyRefusedException(p.NodeId, reason));
        }
    }

    /// <summary>Takes a reply whose objects have all arrived out of the store (references only, no copy). Under the lock.</summary>
    private CompleteReply? TakeIfComplete(string replyId)
    {
        PendingReply p = _pendingReplies[replyId];
        if (p.Missing.Count > 0)
        {
            return null;
        }

        _pendingReplies.Remove(replyId);
        p.Idle?.Dispose();
        IReadOnlyList<string> ids = ObjectCodec.PostOrderIds(p.Tree);
        var objects = new Dictionary<string, FlowerObject>(ids.Count, StringComparer.Ordinal);
        foreach (string id in ids)
        {
            if (_objects.TryGetValue(id, out FlowerObject? obj))
            {
                objects[id] = obj;
            }
        }

        ReleaseReferences(ids);
        _answered.Add(p.InstructionId);
        return new CompleteReply(replyId, p.InstructionId, objects, p.Budget);
    }

    /// <summary>Rebuilds a complete reply within its budget, outside the lock, and hands it (or why it failed) to its waiter.</summary>
    private void Rebuild(CompleteReply complete)
    {
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

    private void AddReferences(IEnumerable<string> ids)
    {
        foreach (string id in ids)
        {
            _references[id] = _references.GetValueOrDefault(id) + 1;
        }
    }

    private void ReleaseReferences(IEnumerable<string> ids)
    {
        foreach (string id in ids)
        {
            int left = _references.GetValueOrDefault(id) - 1;
            if (left > 0)
            {
                _references[id] = left;
            }
            else
            {
                _references.Remove(id);
                _objects.Remove(id);
            }
        }
    }

    /// <summary>The SuperLink's checks on a reply (flower-protocol.md (b)): a reply failing one is refused.</summary>
    private void CheckReply(NodeState node, W.Message reply, W.ObjectTree tree)
    {
        W.Metadata m = reply.Metadata ?? throw Fail(StatusCode.InvalidArgument, "reply without metadata");
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
        else if (m.SrcNodeId != node.Id)
        {
            problem = "src_node_id is not the calling node";
        }
        else if (m.DstNodeId != SuperLinkNodeId)
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
            throw Fail(StatusCode.InvalidArgument, "Invalid reply: " + problem);
        }
    }

    /// <summary>
    /// Authenticates a call from its metadata alone, as the SuperLink does (signature, timestamp window), and refuses an exact
    /// replay of a call already accepted (<see cref="ReplayCache"/>, beyond what Flower checks).
    /// </summary>
    /// <param name="headers">The call's metadata.</param>
    /// <returns>The caller's key fingerprint.</returns>
    /// <exception cref="RpcException"><c>UNAUTHENTICATED</c>, or <c>RESOURCE_EXHAUSTED</c> when too many calls arrive to remember them all.</exception>
    internal string Authenticate(Metadata headers)
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (!AuthMetadata.TryVerify(headers, now, out byte[] key, out string problem))
        {
            throw Fail(StatusCode.Unauthenticated, problem);
        }

        if (!KeyFingerprint.TryOfPem(key, out string fingerprint))
        {
            throw Fail(StatusCode.Unauthenticated, $"{AuthMetadata.PublicKeyKey} is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
        }

        return _replays.TryRemember(fingerprint, headers.GetValue(AuthMetadata.TimestampKey)!, headers.GetValueBytes(AuthMetadata.SignatureKey), now) switch
        {
            ReplayCache.Verdict.New => fingerprint,
            ReplayCache.Verdict.Replayed => throw Fail(StatusCode.Unauthenticated,
                "this call's signed metadata was already used (a replay); a node signs every call afresh"),
            ReplayCache.Verdict.Full => throw Fail(StatusCode.ResourceExhausted,
                SiteFlowerApp.Invariant($"more than {_replays.Capacity} signed calls arrived within the timestamp window; retry later")),
            _ => throw Fail(StatusCode.Unauthenticated, $"{AuthMetadata.SignatureKey} is not a DER ECDSA signature"),
        };
    }

    /// <summary>The caller's key fingerprint: the one <see cref="RequestGate"/> authenticated before the body was read, or authenticated now.</summary>
    private string Caller(ServerCallContext context) =>
        context.GetHttpContext().Items[CallerItem] as string ?? Authenticate(context.RequestHeaders);

    private NodeState NodeFor(string key, ulong nodeId)
    {
        lock (_gate)
        {
            if (!_nodeByKey.TryGetValue(key, out ulong id))
            {
                throw Fail(StatusCode.FailedPrecondition, "No node found for this public key");
            }

            if (id != nodeId)
            {
                throw Fail(StatusCode.PermissionDenied, "the node id in the request is not the one registered for this public key");
            }

            NodeState node = _nodes[id];
            node.LastSeen = _time.GetUtcNow();
            return node;
        }
    }

    private static void CheckHeartbeatInterval(double seconds)
    {
        if (seconds is < 10 or > 1800)
        {
            throw Fail(StatusCode.InvalidArgument, $"heartbeat_interval {seconds} s is outside 10–1800 s");
        }
    }

    private static RpcException Fail(StatusCode code, string detail) => new(new Status(code, detail));
}
