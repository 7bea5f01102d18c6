using System.Collections.Concurrent;
using Flip.Flower.Apps;
using Flip.Flower.Auth;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Fleet;

/// <summary>
/// A Flower node speaking the Fleet API (grpc-rere) of Flower 1.27: it registers and activates its
/// key, sends heartbeats, pulls instructions, downloads their objects, confirms, runs the
/// <see cref="IFlowerApp"/>, pushes the reply and its objects, and deactivates on shutdown.
/// </summary>
/// <remarks>
/// The call sequence is the one observed between real Flower 1.27.0 processes
/// (flower-protocol.md (c)). Every call carries the signed authentication metadata. Replies get
/// <c>created_at</c> = now (microseconds, as Python's <c>datetime.timestamp()</c>) and
/// <c>ttl</c> = instruction <c>created_at + ttl − created_at</c>, so the SuperLink accepts them. Logs
/// name message types, ids and counts only — never record values.
/// </remarks>
public sealed class FlowerNode
{
    private const long ClientAppRaisedException = 2;

    private readonly W.Fleet.FleetClient _client;
    private readonly NodeIdentity _identity;
    private readonly IFlowerApp _app;
    private readonly FlowerNodeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _server;
    private readonly ConcurrentDictionary<ulong, W.Run> _runs = new();

    /// <summary>Creates a node over a gRPC call invoker (a <c>GrpcChannel</c> from <see cref="FlowerChannel.Create"/>, or a test invoker).</summary>
    /// <param name="invoker">The transport.</param>
    /// <param name="identity">The node key that signs every call.</param>
    /// <param name="app">What runs for each instruction.</param>
    /// <param name="server">The server's address, for error messages.</param>
    /// <param name="options">Timing; <see langword="null"/> for Flower's defaults.</param>
    /// <param name="time">The clock; <see langword="null"/> for the system clock.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public FlowerNode(CallInvoker invoker, NodeIdentity identity, IFlowerApp app, string server, FlowerNodeOptions? options = null, TimeProvider? time = null, ILogger<FlowerNode>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        _client = new W.Fleet.FleetClient(invoker);
        _identity = identity ?? throw new ArgumentNullException(nameof(identity));
        _app = app ?? throw new ArgumentNullException(nameof(app));
        _server = server ?? throw new ArgumentNullException(nameof(server));
        _options = options ?? new FlowerNodeOptions();
        string[] problems = [.. _options.Validate()];
        if (problems.Length > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The node id the server gave, or <see langword="null"/> before <see cref="RegisterAsync"/>.</summary>
    public ulong? NodeId { get; private set; }

    private W.Node Node => new() { NodeId = NodeId ?? throw new InvalidOperationException("The node is not registered; call RegisterAsync first.") };

    /// <summary>Registers the node's public key and activates it; a key registered earlier (a persisted identity) is only activated.</summary>
    /// <param name="ct">Cancels the calls.</param>
    /// <returns>The node id.</returns>
    /// <exception cref="FlowerProtocolException">The server refused or could not be reached.</exception>
    public async Task<ulong> RegisterAsync(CancellationToken ct)
    {
        ByteString key = ByteString.CopyFrom(_identity.PublicKeyPem);
        try
        {
            W.RegisterNodeFleetResponse registered = await Call("RegisterNode", o => _client.RegisterNodeAsync(new W.RegisterNodeFleetRequest { PublicKey = key }, o), ct).ConfigureAwait(false);
            _logger.LogInformation("Registered with {Server} as node {NodeId}", _server, registered.NodeId);
        }
        catch (FlowerProtocolException e) when (e.InnerException is RpcException { StatusCode: StatusCode.FailedPrecondition })
        {
            // The SuperLink refuses a second RegisterNode for a known key; the node keeps its id.
            _logger.LogInformation("Key already registered with {Server}; activating", _server);
        }

        W.ActivateNodeResponse activated = await Call("ActivateNode",
            o => _client.ActivateNodeAsync(new W.ActivateNodeRequest { PublicKey = key, HeartbeatInterval = _options.HeartbeatInterval.TotalSeconds }, o), ct).ConfigureAwait(false);
        NodeId = activated.NodeId;
        return activated.NodeId;
    }

    /// <summary>Sends one heartbeat.</summary>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The server's <c>success</c> flag.</returns>
    /// <exception cref="FlowerProtocolException">The server refused or could not be reached.</exception>
    public async Task<bool> SendHeartbeatAsync(CancellationToken ct)
    {
        W.SendNodeHeartbeatResponse r = await Call("SendNodeHeartbeat",
            o => _client.SendNodeHeartbeatAsync(new W.SendNodeHeartbeatRequest { Node = Node, HeartbeatInterval = _options.HeartbeatInterval.TotalSeconds }, o), ct).ConfigureAwait(false);
        return r.Success;
    }

    /// <summary>Pulls at most one instruction and, if there is one, answers it completely (steps 1–7 of flower-protocol.md (c)).</summary>
    /// <param name="ct">Cancels the calls and the app.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="FlowerProtocolException">A call failed or the instruction's objects are broken.</exception>
    public async Task<PollResult> PollOnceAsync(CancellationToken ct)
    {
        W.PullMessagesResponse pulled = await Call("PullMessages", o => _client.PullMessagesAsync(new W.PullMessagesRequest { Node = Node }, o), ct).ConfigureAwait(false);
        if (pulled.MessagesList.Count == 0)
        {
            return PollResult.NoMessage;
        }

        if (pulled.MessageObjectTrees.Count != pulled.MessagesList.Count)
        {
            throw FlowerProtocolException.BadMessage("PullMessagesResponse", "message_object_trees",
                $"{pulled.MessageObjectTrees.Count} trees for {pulled.MessagesList.Count} messages; expected one per message");
        }

        PollResult result = PollResult.NoMessage;
        for (int i = 0; i < pulled.MessagesList.Count; i++)
        {
            result = await HandleAsync(pulled.MessagesList[i], pulled.MessageObjectTrees[i], ct).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Marks the node offline and forgets it at the server (Flower's graceful shutdown).</summary>
    /// <param name="ct">Cancels the calls.</param>
    /// <returns>A task.</returns>
    /// <exception cref="FlowerProtocolException">A call failed.</exception>
    public async Task DeactivateAsync(CancellationToken ct)
    {
        ulong id = Node.NodeId;
        await Call("DeactivateNode", o => _client.DeactivateNodeAsync(new W.DeactivateNodeRequest { NodeId = id }, o), ct).ConfigureAwait(false);
        await Call("UnregisterNode", o => _client.UnregisterNodeAsync(new W.UnregisterNodeFleetRequest { NodeId = id }, o), ct).ConfigureAwait(false);
        _logger.LogInformation("Node {NodeId} deactivated and unregistered at {Server}", id, _server);
        NodeId = null;
    }

    /// <summary>
    /// Runs the node until <paramref name="ct"/> is cancelled: registers, heartbeats in the
    /// background, polls (pausing <see cref="FlowerNodeOptions.PollInterval"/> when idle), retries
    /// with doubling, jittered back-off (bounded by <see cref="FlowerNodeOptions.MaxReconnectDelay"/>, each wait logged) while the server is unreachable, registers again when the server has
    /// forgotten the node, logs and skips an instruction that fails, and deactivates on the way out.
    /// </summary>
    /// <param name="ct">Stops the node (Ctrl-C).</param>
    /// <returns>A task that ends when the node has stopped.</returns>
    /// <exception cref="FlowerProtocolException">The server refuses the node's authentication, or registration fails for another reason than an unreachable server.</exception>
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = new ReconnectBackoff(_options.MaxReconnectDelay, _server, _logger, _time);
        await RegisterWithRetryAsync(ct).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task heartbeats = HeartbeatLoopAsync(stop.Token);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                PollResult r;
                try
                {
                    r = await PollOnceAsync(ct).ConfigureAwait(false);
                    backoff.Reset();
                }
                catch (FlowerProtocolException) when (ct.IsCancellationRequested)
                {
                    // Stopping: a call cut short by the stop (or by a server that is itself shutting down) is not an error.
                    break;
                }
                catch (FlowerProtocolException e) when (ReconnectBackoff.IsUnavailable(e))
                {
                    await backoff.WaitAsync(ct).ConfigureAwait(false);
                    continue;
                }
                catch (FlowerProtocolException e) when (StatusOf(e) == StatusCode.FailedPrecondition && !ct.IsCancellationRequested)
                {
                    if (await StillRegisteredAsync(ct).ConfigureAwait(false))
                    {
                        // The server refused one call (for example one object of a reply) but still knows this node: go on polling.
                        _logger.LogWarning("Handling a message from {Server} failed: {Reason}", _server, e.Message);
                        r = PollResult.NoMessage;
                    }
                    else
                    {
                        // The server no longer knows this node (for example it restarted): register again.
                        _logger.LogWarning("{Server} no longer knows node {NodeId}: {Reason}; registering again", _server, NodeId, e.Message);
                        NodeId = null;
                        await RegisterWithRetryAsync(ct).ConfigureAwait(false);
                        continue;
                    }
                }
                catch (FlowerProtocolException e) when (StatusOf(e) != StatusCode.Unauthenticated && !ct.IsCancellationRequested)
                {
                    // One bad instruction (or a run that ended) must not stop the node; Flower's SuperNode also goes on polling.
                    _logger.LogWarning("Handling a message from {Server} failed: {Reason}", _server, e.Message);
                    r = PollResult.NoMessage;
                }

                if (r == PollResult.NoMessage)
                {
                    await Task.Delay(_options.PollInterval, _time, ct).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Normal stop.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await heartbeats.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(10), _time);
        try
        {
            await DeactivateAsync(shutdown.Token).ConfigureAwait(false);
        }
        catch (FlowerProtocolException e)
        {
            _logger.LogWarning("Could not deactivate at {Server}: {Reason}", _server, e.Message);
        }
    }

    /// <summary>
    /// Whether the server still knows this node, asked by a heartbeat: FAILED_PRECONDITION covers both an unknown node
    /// and a refused call (for example one object of a reply), and only the first calls for registering again.
    /// </summary>
    private async Task<bool> StillRegisteredAsync(CancellationToken ct)
    {
        try
        {
            await SendHeartbeatAsync(ct).ConfigureAwait(false);
            return true;
        }
        catch (FlowerProtocolException e) when (StatusOf(e) == StatusCode.FailedPrecondition)
        {
            return false;
        }
        catch (FlowerProtocolException)
        {
            // Unreachable or refused for another reason: registering again would not help; the loop retries.
            return true;
        }
    }

    private async Task RegisterWithRetryAsync(CancellationToken ct)
    {
        var backoff = new ReconnectBackoff(_options.MaxReconnectDelay, _server, _logger, _time);
        while (NodeId is null)
        {
            try
            {
                await RegisterAsync(ct).ConfigureAwait(false);
            }
            catch (FlowerProtocolException e) when (ReconnectBackoff.IsUnavailable(e) && !ct.IsCancellationRequested)
            {
                await backoff.WaitAsync(ct).ConfigureAwait(false);
            }
        }
    }

    private static StatusCode? StatusOf(FlowerProtocolException e) => (e.InnerException as RpcException)?.StatusCode;

    private async Task HeartbeatLoopAsync(CancellationToken ct)
    {
        // Flower sends at once, then every (interval − 5 s) × U(0.7, 0.9); the middle, 0.8, is used.
        TimeSpan period = (_options.HeartbeatInterval - TimeSpan.FromSeconds(5)) * 0.8;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // Between a server restart and the new registration there is no node id to beat for.
                if (NodeId is not null)
                {
                    await SendHeartbeatAsync(ct).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is FlowerProtocolException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                _logger.LogWarning("Heartbeat to {Server} failed: {Reason}", _server, e.Message);
            }

            try
            {
                await Task.Delay(period, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<PollResult> HandleAsync(W.Message pulled, W.ObjectTree tree, CancellationToken ct)
    {
        W.Metadata meta = pulled.Metadata ?? throw FlowerProtocolException.BadMessage("?", "metadata", "absent in a pulled message");
        if (meta.MessageId != tree.ObjectId)
        {
            throw FlowerProtocolException.BadMessage(meta.MessageType, "message_object_trees", $"the tree root {tree.ObjectId} is not the message id {meta.MessageId}");
        }

        _logger.LogInformation("Received {Type} instruction {MessageId} for run {RunId}", meta.MessageType, Short(meta.MessageId), meta.RunId);
        W.Run? run = null;
        if (_options.FetchRunInfo && !_runs.TryGetValue(meta.RunId, out run))
        {
            W.GetRunResponse info = await Call("GetRun", o => _client.GetRunAsync(new W.GetRunRequest { Node = Node, RunId = meta.RunId }, o), ct).ConfigureAwait(false);
            run = info.Run;
            if (run is not null)
            {
                _runs[meta.RunId] = run;
            }
        }

        // Download every object of the tree (the root Message included), a few at a time.
        ObjectBudget budget = _options.InstructionBudget;
        IReadOnlyList<string> ids = ObjectCodec.PostOrderIds(tree, budget.MaxObjects);
        if (ids.Count > budget.MaxObjects)
        {
            throw FlowerProtocolException.OverBudget(meta.MessageId, SiteFlowerApp.Invariant($"the instruction's tree announces more than {budget.MaxObjects} objects"));
        }

        var objects = new ConcurrentDictionary<string, FlowerObject>(StringComparer.Ordinal);
        long downloaded = 0;
        await ForEachLimitedAsync(ids, async (id, token) =>
        {
            FlowerObject obj = await PullObjectAsync(meta, id, token).ConfigureAwait(false);
            if (Interlocked.Add(ref downloaded, obj.Length) > budget.MaxBytes)
            {
                throw FlowerProtocolException.OverBudget(id, SiteFlowerApp.Invariant($"the instruction's objects take more than {budget.MaxBytes} bytes"));
            }

            objects[id] = obj;
        }, ct).ConfigureAwait(false);
        FlowerMessage inflated = ObjectCodec.Inflate(meta.MessageId, objects, budget);
        if (!inflated.Metadata.Equals(meta))
        {
            // The object's hash already proves it is the message the server announced; the pulled
            // metadata is what the server will check the reply against, so it wins.
            _logger.LogWarning("Instruction {MessageId}: the pulled metadata differs from the Message object's; using the pulled one", Short(meta.MessageId));
        }

        FlowerMessage instruction = inflated.Content is null
            ? throw FlowerProtocolException.BadMessage(meta.MessageType, "content", "the instruction carries an error instead of content")
            : new FlowerMessage(meta.Clone(), inflated.Content);

        await Call("ConfirmMessageReceived",
            o => _client.ConfirmMessageReceivedAsync(new W.ConfirmMessageReceivedRequest { Node = Node, RunId = meta.RunId, MessageObjectId = meta.MessageId }, o), ct).ConfigureAwait(false);

        long started = _time.GetTimestamp();
        FlowerMessage reply = await RunAppAsync(_app, new FlowerInstruction(instruction, run), _time, _logger, ct).ConfigureAwait(false);
        double runtime = _time.GetElapsedTime(started).TotalSeconds;
        if (reply.Metadata.Ttl <= 0)
        {
            _logger.LogWarning("Instruction {MessageId} expired before the reply was ready; no reply sent", Short(meta.MessageId));
            return PollResult.Expired;
        }

        DeflatedMessage deflated = ObjectCodec.Deflate(reply);
        var push = new W.PushMessagesRequest { Node = Node };
        push.MessagesList.Add(deflated.Message);
        push.MessageObjectTrees.Add(deflated.Tree);
        push.ClientappRuntimeList.Add(runtime);
        W.PushMessagesResponse pushed = await Call("PushMessages", o => _client.PushMessagesAsync(push, o), ct).ConfigureAwait(false);

        foreach (string id in pushed.ObjectsToPush)
        {
            if (!deflated.Objects.ContainsKey(id))
            {
                throw FlowerProtocolException.BadMessage(reply.Metadata.MessageType, "objects_to_push", $"the server asks for {Short(id)}, which is not part of reply {Short(deflated.MessageId)}");
            }
        }

        await ForEachLimitedAsync(pushed.ObjectsToPush, async (id, token) =>
        {
            FlowerObject obj = deflated.Objects[id];
            await Call("PushObject", o => _client.PushObjectAsync(new W.PushObjectRequest
            {
                Node = Node,
                RunId = meta.RunId,
                ObjectId = id,
                ObjectContent = UnsafeByteOperations.UnsafeWrap(obj.Content),
            }, o), token).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);

        _logger.LogInformation("Replied to {MessageId} with {ReplyId} ({Objects} objects pushed)", Short(meta.MessageId), Short(deflated.MessageId), pushed.ObjectsToPush.Count);
        return PollResult.Replied;
    }

    private async Task<FlowerObject> PullObjectAsync(W.Metadata meta, string id, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            W.PullObjectResponse r = await Call("PullObject", o => _client.PullObjectAsync(new W.PullObjectRequest { Node = Node, RunId = meta.RunId, ObjectId = id }, o), ct).ConfigureAwait(false);
            if (!r.ObjectFound)
            {
                throw FlowerProtocolException.ObjectNotFound(id, meta.MessageId);
            }

            if (r.ObjectAvailable)
            {
                return FlowerObject.Parse(r.ObjectContent.Memory, id);
            }

            if (attempt >= _options.ObjectRetries)
            {
                throw FlowerProtocolException.BadMessage(meta.MessageType, "object_available", $"object {Short(id)} stayed unavailable after {attempt + 1} attempts");
            }

            await Task.Delay(_options.ObjectRetryDelay, _time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the app on one instruction (Flower's ClientApp call): its content, or an error reply naming only the exception type.</summary>
    /// <remarks>Shared by the Fleet node and the ClientAppIo process (<see cref="ClientAppIoNode"/>).</remarks>
    internal static async Task<FlowerMessage> RunAppAsync(IFlowerApp app, FlowerInstruction instruction, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        try
        {
            RecordDict content = instruction.Action switch
            {
                "train" => await app.TrainAsync(instruction, ct).ConfigureAwait(false),
                "evaluate" => await app.EvaluateAsync(instruction, ct).ConfigureAwait(false),
                "query" => await app.QueryAsync(instruction, ct).ConfigureAwait(false),
                _ => throw new NotSupportedException($"message type '{instruction.MessageType}'"),
            };
            return new FlowerMessage(ReplyMetadata(instruction.Message.Metadata, time), content);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Only the exception type leaves the site: messages may hold paths or values (STYLE.md §4). An app
            // contract's reason is the exception: it names model arrays, shapes and keys only, for the server's operator.
            logger.LogError(e, "The app failed on {Type} instruction {MessageId}", instruction.MessageType, Short(instruction.MessageId));
            string reason = e is AppContractException contract ? contract.Reason : "the .NET app raised an exception; details are in the node's log";
            var error = new W.Error { Code = ClientAppRaisedException, Reason = $"<class '{e.GetType().Name}'>:<'{reason}'>" };
            return new FlowerMessage(ReplyMetadata(instruction.Message.Metadata, time), error);
        }
    }

    /// <summary>Reply metadata exactly as Flower's <c>Message(content, reply_to=…)</c> builds it.</summary>
    internal static W.Metadata ReplyMetadata(W.Metadata instruction, TimeProvider time)
    {
        double now = UnixSeconds(time.GetUtcNow());
        return new W.Metadata
        {
            RunId = instruction.RunId,
            MessageId = string.Empty,
            SrcNodeId = instruction.DstNodeId,
            DstNodeId = instruction.SrcNodeId,
            ReplyToMessageId = instruction.MessageId,
            GroupId = instruction.GroupId,
            CreatedAt = now,
            Ttl = instruction.CreatedAt + instruction.Ttl - now,
            MessageType = instruction.MessageType,
        };
    }

    /// <summary>Seconds since the Unix epoch with microsecond resolution, computed as Python's <c>datetime.timestamp()</c> (µs / 10⁶).</summary>
    internal static double UnixSeconds(DateTimeOffset time)
    {
        long micros = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        return micros / 1e6;
    }

    private async Task<TResponse> Call<TResponse>(string method, Func<CallOptions, AsyncUnaryCall<TResponse>> call, CancellationToken ct)
    {
        var options = new CallOptions(headers: AuthMetadata.Create(_identity, _time.GetUtcNow()), cancellationToken: ct);
        try
        {
            return await call(options).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
        {
            throw new OperationCanceledException($"{method} was cancelled.", e, ct);
        }
        catch (RpcException e)
        {
            throw RpcFailures.From(e, _server, method, "Fleet API default 9092");
        }
    }

    private async Task ForEachLimitedAsync(IEnumerable<string> ids, Func<string, CancellationToken, Task> action, CancellationToken ct) =>
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentObjectTransfers, CancellationToken = ct },
            async (id, token) => await action(id, token).ConfigureAwait(false)).ConfigureAwait(false);

    private static string Short(string id) => id.Length > 16 ? id[..16] : id;
}
