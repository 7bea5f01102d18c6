using System.Collections.Concurrent;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Fleet;

/// <summary>
/// The nodes of a Flower SuperLink seen through its ServerAppIo API, as Flower's <c>GrpcGrid</c> sees them: this process
/// is the run's ServerApp (<c>flower-superlink --isolation process</c>), and <see cref="FleetFederation"/> drives any FLIP
/// strategy over the SuperLink's SuperNodes.
/// </summary>
/// <remarks>
/// <para>Sending an instruction is <c>PushMessages</c> (metadata and object tree only) followed by a <c>PushObject</c> for
/// each object the SuperLink does not hold yet: the global model's arrays are uploaded once per round, whatever the number
/// of nodes. Replies are collected by one poller for all outstanding instructions (<c>PullMessages</c> with their ids);
/// each reply's objects are downloaded (<c>PullObject</c>), confirmed (<c>ConfirmMessageReceived</c>) and rebuilt.</para>
/// <para>A node that fails or that the SuperLink gives up on comes back as a reply carrying an error, which the round loop
/// records as a failure.</para>
/// </remarks>
public sealed class ServerAppIoGrid : IMessageGrid, IAsyncDisposable
{
    /// <summary>The SuperLink's own node id: source of instructions (Flower's <c>SUPERLINK_NODE_ID</c>).</summary>
    public const ulong SuperLinkNodeId = 1;

    private readonly W.ServerAppIo.ServerAppIoClient _client;
    private readonly ulong _runId;
    private readonly ServerAppIoGridOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _poller;

    private sealed record Pending(TaskCompletionSource<FlowerMessage> Reply, ObjectBudget Budget);

    /// <summary>Creates the grid and starts polling for replies.</summary>
    /// <param name="invoker">A call invoker on the SuperLink's ServerAppIo API.</param>
    /// <param name="runId">The run this process executes (from <c>PullAppInputs</c>).</param>
    /// <param name="options">Polling and TTL; <see langword="null"/> for defaults.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    public ServerAppIoGrid(CallInvoker invoker, ulong runId, ServerAppIoGridOptions? options = null, ILogger? logger = null)
    {
        _client = new W.ServerAppIo.ServerAppIoClient(invoker);
        _runId = runId;
        _options = options ?? new ServerAppIoGridOptions();
        _logger = logger ?? NullLogger.Instance;
        _poller = Task.Run(() => PollAsync(_stop.Token));
    }

    /// <inheritdoc/>
    /// <remarks>The SuperLink's nodes for the run (<c>GetNodes</c>): those online now.</remarks>
    public IReadOnlyList<ulong> OnlineNodes()
    {
        W.GetNodesResponse nodes = _client.GetNodes(new W.GetNodesRequest { RunId = _runId });
        return [.. nodes.Nodes.Select(n => n.NodeId).Order()];
    }

    /// <inheritdoc/>
    public string SendInstruction(ulong nodeId, ulong runId, string messageType, RecordDict content, string groupId = "", ObjectBudget? replyBudget = null)
    {
        var metadata = new W.Metadata
        {
            RunId = runId,
            SrcNodeId = SuperLinkNodeId,
            DstNodeId = nodeId,
            GroupId = groupId,
            Ttl = _options.Ttl.TotalSeconds,
            MessageType = messageType,
            CreatedAt = FlowerNode.UnixSeconds(DateTimeOffset.UtcNow),
        };
        DeflatedMessage deflated = ObjectCodec.Deflate(new FlowerMessage(metadata, content));
        var push = new W.PushAppMessagesRequest { RunId = runId };
        push.MessagesList.Add(deflated.Message);
        push.MessageObjectTrees.Add(deflated.Tree);
        W.PushAppMessagesResponse pushed = _client.PushMessages(push);
        if (pushed.MessageIds.Count != 1 || pushed.MessageIds[0] != deflated.MessageId)
        {
            throw new InvalidOperationException(SiteFlowerApp.Invariant($"the SuperLink did not store the {messageType} instruction for node {nodeId} (message id '{pushed.MessageIds.FirstOrDefault()}')."));
        }

        // Register before the objects go up: a fast node may answer before the last PushObject returns.
        _pending[deflated.MessageId] = new Pending(new TaskCompletionSource<FlowerMessage>(TaskCreationOptions.RunContinuationsAsynchronously),
            replyBudget ?? ObjectBudget.ForReplyTo(content, null));
        foreach (string id in deflated.PostOrderIds.Where(new HashSet<string>(pushed.ObjectsToPush, StringComparer.Ordinal).Contains))
        {
            FlowerObject obj = deflated.Objects[id];
            _client.PushObject(new W.PushObjectRequest
            {
                Node = new W.Node { NodeId = SuperLinkNodeId },
                RunId = runId,
                ObjectId = id,
                ObjectContent = UnsafeByteOperations.UnsafeWrap(obj.Content),
            });
        }

        _logger.LogInformation("Pushed {Type} instruction {MessageId} for node {NodeId} ({Objects} objects uploaded)", messageType, deflated.MessageId[..16], nodeId, pushed.ObjectsToPush.Count);
        return deflated.MessageId;
    }

    /// <inheritdoc/>
    public Task<FlowerMessage> WaitForReplyAsync(string instructionId, CancellationToken ct) =>
        _pending.TryGetValue(instructionId, out Pending? pending)
            ? pending.Reply.Task.WaitAsync(ct)
            : throw new KeyNotFoundException($"No instruction {instructionId}.");

    /// <inheritdoc/>
    /// <remarks>The SuperLink has no call to withdraw an instruction; its reply, if any, is no longer pulled.</remarks>
    public void Forget(string instructionId)
    {
        if (_pending.TryRemove(instructionId, out Pending? pending))
        {
            pending.Reply.TrySetCanceled();
        }
    }

    /// <summary>Stops the poller.</summary>
    /// <returns>A task that ends when the poller has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _poller.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task PollAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(_options.PollInterval, ct).ConfigureAwait(false);
            if (_pending.IsEmpty)
            {
                continue;
            }

            try
            {
                var request = new W.PullAppMessagesRequest { RunId = _runId };
                request.MessageIds.AddRange(_pending.Keys);
                W.PullAppMessagesResponse pulled = await _client.PullMessagesAsync(request, cancellationToken: ct).ConfigureAwait(false);
                for (int i = 0; i < pulled.MessagesList.Count; i++)
                {
                    await ReceiveAsync(pulled.MessagesList[i], i < pulled.MessageObjectTrees.Count ? pulled.MessageObjectTrees[i] : null, ct).ConfigureAwait(false);
                }
            }
            catch (RpcException e) when (!ct.IsCancellationRequested)
            {
                _logger.LogWarning("PullMessages from the SuperLink failed: {Status} {Detail}", e.StatusCode, e.Status.Detail);
            }
        }
    }

    private async Task ReceiveAsync(W.Message message, W.ObjectTree? tree, CancellationToken ct)
    {
        W.Metadata meta = message.Metadata;
        if (meta is null || !_pending.TryGetValue(meta.ReplyToMessageId, out Pending? pending))
        {
            return;
        }

        try
        {
            if (message.Error is { } error)
            {
                // The SuperLink's own replies (a node that went offline, an expired instruction) carry only an error.
                pending.Reply.TrySetResult(new FlowerMessage(meta, error));
                return;
            }

            if (tree is null || tree.ObjectId != meta.MessageId)
            {
                throw FlowerProtocolException.BadMessage(meta.MessageType, "message_object_trees", "the reply's object tree is missing or not rooted at its message id");
            }

            IReadOnlyList<string> ids = ObjectCodec.PostOrderIds(tree, pending.Budget.MaxObjects);
            var objects = new Dictionary<string, FlowerObject>(StringComparer.Ordinal);
            foreach (string id in ids.Distinct(StringComparer.Ordinal))
            {
                objects[id] = await PullObjectAsync(meta, id, ct).ConfigureAwait(false);
            }

            await _client.ConfirmMessageReceivedAsync(new W.ConfirmMessageReceivedRequest
            {
                Node = new W.Node { NodeId = SuperLinkNodeId },
                RunId = _runId,
                MessageObjectId = meta.MessageId,
            }, cancellationToken: ct).ConfigureAwait(false);
            FlowerMessage reply = ObjectCodec.Inflate(meta.MessageId, objects, pending.Budget);
            pending.Reply.TrySetResult(reply.Content is { } content ? new FlowerMessage(meta, content) : reply);
        }
        catch (FlowerProtocolException e)
        {
            pending.Reply.TrySetException(e);
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            pending.Reply.TrySetException(new ReplyRefusedException(meta.SrcNodeId, SiteFlowerApp.Invariant($"its objects could not be downloaded from the SuperLink ({e.StatusCode})")));
        }
    }

    private async Task<FlowerObject> PullObjectAsync(W.Metadata meta, string id, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            W.PullObjectResponse r = await _client.PullObjectAsync(new W.PullObjectRequest
            {
                Node = new W.Node { NodeId = SuperLinkNodeId },
                RunId = _runId,
                ObjectId = id,
            }, cancellationToken: ct).ConfigureAwait(false);
            if (!r.ObjectFound)
            {
                throw FlowerProtocolException.ObjectNotFound(id, meta.MessageId);
            }

            if (r.ObjectAvailable)
            {
                return FlowerObject.Parse(r.ObjectContent.Memory, id);
            }

            if (attempt >= 50)
            {
                throw FlowerProtocolException.BadMessage(meta.MessageType, "object_available", $"object {id[..16]} stayed unavailable after {attempt + 1} attempts");
            }

            await Task.Delay(_options.PollInterval, ct).ConfigureAwait(false);
        }
    }
}
