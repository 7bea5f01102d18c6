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
/// <para>Host it with <see cref="FlowerServerHost"/>. Python SuperNodes also need the run's app bundle
/// (<see cref="StartRun"/>'s <c>fab</c>); .NET nodes do not. All state is in memory.</para>
/// <para>Split as Flower splits its SuperLink: this class is the servicer (Flower's <c>FleetServicer</c>) and only
/// authenticates each call, finds the caller's node, hands the request to a part and answers with its result or the
/// status of its <see cref="FleetRefusedException"/>. The parts: <see cref="NodeRegistry"/> (keys, node ids, activation,
/// heartbeats), <see cref="RunRegistry"/> (runs and app bundles), <see cref="MessageQueue"/> (instructions per node,
/// reply checks, budgets, slots and uploads) and <see cref="ObjectStore"/> (objects by id, reference-counted). They share
/// one lock, created here: see <see cref="MessageQueue"/> for why.</para>
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

    /// <summary>The one lock of the parts; taken here only for a step that spans two of them (a node leaving with its inbox).</summary>
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ReplayCache _replays = new();
    private readonly NodeRegistry _nodes;
    private readonly RunRegistry _runs;
    private readonly ObjectStore _objects;
    private readonly MessageQueue _messages;
    private long _streamedObjects;

    /// <summary>Creates the service.</summary>
    /// <param name="options">Settings; <see langword="null"/> for defaults.</param>
    /// <param name="time">The clock; <see langword="null"/> for the system clock.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    public FleetService(FleetServiceOptions? options = null, TimeProvider? time = null, ILogger<FleetService>? logger = null)
    {
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _nodes = new NodeRegistry(_gate, _time, _logger);
        _runs = new RunRegistry(_gate);
        _objects = new ObjectStore(_gate);
        _messages = new MessageQueue(_gate, _nodes, _objects, options ?? new FleetServiceOptions(), _time, _logger);
    }

    /// <summary>Replies holding one of the <see cref="FleetServiceOptions.MaxConcurrentReplies"/> slots now (uploading, or complete and not yet forgotten).</summary>
    public int RepliesInFlight => _messages.RepliesInFlight;

    /// <summary>The most replies that held a slot at once since the service started.</summary>
    public int PeakRepliesInFlight => _messages.PeakRepliesInFlight;

    /// <summary>
    /// Forgets an instruction once its reply was consumed or is no longer wanted (round deadline): drops
    /// the reply, any half-uploaded objects and the instruction's own objects, frees its reply slot, and
    /// makes a late reply to it be refused.
    /// </summary>
    /// <param name="instructionId">The id <see cref="SendInstruction"/> returned.</param>
    public void Forget(string instructionId)
    {
        ArgumentNullException.ThrowIfNull(instructionId);
        _messages.Forget(instructionId);
    }

    /// <summary>Ids of the nodes that are activated and whose last call or heartbeat is no older than their heartbeat interval.</summary>
    /// <returns>The online node ids, in registration order.</returns>
    /// <remarks>A node that stops sending heartbeats drops out of this list after its announced interval (30 s for Flower's SuperNode); strategies sample from it and record the rest as dropouts.</remarks>
    public IReadOnlyList<ulong> OnlineNodes() => _nodes.Online();

    /// <summary>Objects sent to nodes by streaming (large <c>PullObject</c> responses, <see cref="ObjectDownloads"/>) so far.</summary>
    public long StreamedObjectCount => Interlocked.Read(ref _streamedObjects);

    /// <summary>Objects held in the store: those of instructions not yet confirmed and of replies not yet complete.</summary>
    /// <remarks>An object is dropped once no pending instruction or reply refers to it, so memory does not grow with rounds.</remarks>
    public int StoredObjectCount => _objects.Count;

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
    public void StartRun(ulong runId, IReadOnlyDictionary<string, W.Scalar>? overrideConfig = null, byte[]? fab = null, string fabId = "", string fabVersion = "") =>
        _runs.Start(runId, overrideConfig, fab, fabId, fabVersion);

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
    public string SendInstruction(ulong nodeId, ulong runId, string messageType, RecordDict content, string groupId = "", ObjectBudget? replyBudget = null) =>
        _messages.Send(nodeId, runId, messageType, content, groupId, replyBudget);

    /// <summary>Waits for the complete reply (all objects uploaded) to an instruction.</summary>
    /// <param name="instructionId">The id <see cref="SendInstruction"/> returned.</param>
    /// <param name="ct">Cancels the wait (round deadline).</param>
    /// <returns>The reply, with content or error.</returns>
    /// <exception cref="KeyNotFoundException">No such instruction.</exception>
    public Task<FlowerMessage> WaitForReplyAsync(string instructionId, CancellationToken ct) => _messages.WaitForReplyAsync(instructionId, ct);

    /// <inheritdoc/>
    public override Task<W.RegisterNodeFleetResponse> RegisterNode(W.RegisterNodeFleetRequest request, ServerCallContext context)
    {
        string key = Caller(context);
        if (!KeyFingerprint.TryOfPem(request.PublicKey.Span, out string requestKey) || requestKey != key)
        {
            throw Fail(StatusCode.FailedPrecondition, "public_key differs from the key that signed the call");
        }

        return Answer(() => new W.RegisterNodeFleetResponse { NodeId = _nodes.Register(key) });
    }

    /// <inheritdoc/>
    public override Task<W.ActivateNodeResponse> ActivateNode(W.ActivateNodeRequest request, ServerCallContext context)
    {
        string key = Caller(context);
        return Answer(() => new W.ActivateNodeResponse { NodeId = _nodes.Activate(key, request.HeartbeatInterval) });
    }

    /// <inheritdoc/>
    public override Task<W.DeactivateNodeResponse> DeactivateNode(W.DeactivateNodeRequest request, ServerCallContext context)
    {
        string key = Caller(context);
        return Answer(() =>
        {
            _nodes.Deactivate(_nodes.Find(key, request.NodeId));
            return new W.DeactivateNodeResponse();
        });
    }

    /// <inheritdoc/>
    public override Task<W.UnregisterNodeFleetResponse> UnregisterNode(W.UnregisterNodeFleetRequest request, ServerCallContext context)
    {
        string key = Caller(context);
        return Answer(() =>
        {
            NodeRegistry.Node node = _nodes.Find(key, request.NodeId);
            lock (_gate)
            {
                // One step: the node and what the queue keeps for it go together.
                _nodes.Unregister(node);
                _messages.DropNode(node.Id);
            }

            return new W.UnregisterNodeFleetResponse();
        });
    }

    /// <inheritdoc/>
    public override Task<W.SendNodeHeartbeatResponse> SendNodeHeartbeat(W.SendNodeHeartbeatRequest request, ServerCallContext context)
    {
        string key = Caller(context);
        return Answer(() =>
        {
            _nodes.Heartbeat(key, request.Node?.NodeId ?? 0, request.HeartbeatInterval);
            return new W.SendNodeHeartbeatResponse { Success = true };
        });
    }

    /// <inheritdoc/>
    public override Task<W.PullMessagesResponse> PullMessages(W.PullMessagesRequest request, ServerCallContext context)
    {
        string key = Caller(context);
        return Answer(() =>
        {
            NodeRegistry.Node node = _nodes.Find(key, request.Node?.NodeId ?? 0);
            var response = new W.PullMessagesResponse();
            if (_messages.Pull(node.Id) is { } next)
            {
                response.MessagesList.Add(next.Message);
                response.MessageObjectTrees.Add(next.Tree);
            }

            return response;
        });
    }

    /// <inheritdoc/>
    public override Task<W.GetRunResponse> GetRun(W.GetRunRequest request, ServerCallContext context)
    {
        string key = Caller(context);
        return Answer(() =>
        {
            _nodes.Find(key, request.Node?.NodeId ?? 0);
            return new W.GetRunResponse { Run = _runs.Find(request.RunId) };
        });
    }

    /// <inheritdoc/>
    public override Task<W.GetFabResponse> GetFab(W.GetFabRequest request, ServerCallContext context)
    {
        string key = Caller(context);
        return Answer(() =>
        {
            _nodes.Find(key, request.Node?.NodeId ?? 0);
            return new W.GetFabResponse { Fab = _runs.FindFab(request.HashStr) };
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Hosted by <see cref="FlowerServerHost"/>, large objects do not come here: <see cref="ObjectDownloads"/> streams them
    /// (<see cref="ObjectToStream"/>), so that the transport never holds a whole object per waiting download.
    /// </remarks>
    public override Task<W.PullObjectResponse> PullObject(W.PullObjectRequest request, ServerCallContext context)
    {
        string key = Caller(context);
        return Answer(() =>
        {
            _nodes.Find(key, request.Node?.NodeId ?? 0);
            return _objects.TryGet(request.ObjectId, out FlowerObject? obj)
                ? new W.PullObjectResponse { ObjectFound = true, ObjectAvailable = true, ObjectContent = UnsafeByteOperations.UnsafeWrap(obj.Content) }
                : new W.PullObjectResponse { ObjectFound = false };
        });
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
            _nodes.Find(caller, request.Node?.NodeId ?? 0);
        }
        catch (FleetRefusedException)
        {
            return null;
        }

        return _objects.TryGet(request.ObjectId, out FlowerObject? obj) && obj.Length >= minimumLength ? obj : null;
    }

    /// <summary>Counts an object that <see cref="ObjectDownloads"/> finished streaming.</summary>
    internal void CountStreamed() => Interlocked.Increment(ref _streamedObjects);

    /// <inheritdoc/>
    public override Task<W.ConfirmMessageReceivedResponse> ConfirmMessageReceived(W.ConfirmMessageReceivedRequest request, ServerCallContext context)
    {
        string key = Caller(context);
        return Answer(() =>
        {
            NodeRegistry.Node node = _nodes.Find(key, request.Node?.NodeId ?? 0);
            _messages.Confirm(node.Id, request.MessageObjectId);
            _logger.LogDebug("Node {NodeId} confirmed {MessageId}", node.Id, request.MessageObjectId);
            return new W.ConfirmMessageReceivedResponse();
        });
    }

    /// <inheritdoc/>
    public override async Task<W.PushMessagesResponse> PushMessages(W.PushMessagesRequest request, ServerCallContext context)
    {
        string key = Caller(context);
        try
        {
            NodeRegistry.Node node = _nodes.Find(key, request.Node?.NodeId ?? 0);
            if (request.MessagesList.Count != request.MessageObjectTrees.Count)
            {
                throw Fail(StatusCode.InvalidArgument, "messages_list and message_object_trees differ in length");
            }

            var response = new W.PushMessagesResponse { Reconnect = new W.Reconnect { Reconnect_ = 5 } };
            _messages.BeginPush(node.Id);
            for (int i = 0; i < request.MessagesList.Count; i++)
            {
                W.Message reply = request.MessagesList[i];
                IReadOnlyList<string> toPush = await _messages.AcceptReplyAsync(node.Id, reply, request.MessageObjectTrees[i], context.CancellationToken).ConfigureAwait(false);
                response.Results[reply.Metadata.MessageId] = 0;
                response.ObjectsToPush.AddRange(toPush);
            }

            return response;
        }
        catch (FleetRefusedException e)
        {
            throw Fail(e);
        }
    }

    /// <inheritdoc/>
    public override Task<W.PushObjectResponse> PushObject(W.PushObjectRequest request, ServerCallContext context)
    {
        string key = Caller(context);
        return Answer(() =>
        {
            NodeRegistry.Node node = _nodes.Find(key, request.Node?.NodeId ?? 0);
            _messages.Charge(node.Id, request.ObjectId, request.ObjectContent.Length);
            FlowerObject obj;
            try
            {
                obj = FlowerObject.Parse(request.ObjectContent.Memory, request.ObjectId);
            }
            catch (FlowerProtocolException e)
            {
                throw Fail(StatusCode.FailedPrecondition, e.Message);
            }

            _messages.AcceptObject(node.Id, obj);
            return new W.PushObjectResponse { Stored = true };
        });
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

    /// <summary>Runs a call's work and answers with its result, or with the status of the part's refusal.</summary>
    private static Task<T> Answer<T>(Func<T> work)
    {
        try
        {
            return Task.FromResult(work());
        }
        catch (FleetRefusedException e)
        {
            throw Fail(e);
        }
    }

    private static RpcException Fail(FleetRefusedException refusal) => Fail(
        refusal.Kind switch
        {
            FleetRefusedException.Refusal.InvalidArgument => StatusCode.InvalidArgument,
            FleetRefusedException.Refusal.NotPermitted => StatusCode.PermissionDenied,
            FleetRefusedException.Refusal.OverBudget => StatusCode.ResourceExhausted,
            _ => StatusCode.FailedPrecondition,
        },
        refusal.Message);

    private static RpcException Fail(StatusCode code, string detail) => new(new Status(code, detail));
}
