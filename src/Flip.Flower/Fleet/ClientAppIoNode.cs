using Flip.Flower.Objects;
using Flip.Flower.Records;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Fleet;

/// <summary>
/// FLIP's app as the ClientApp of a Flower SuperNode started with <c>--isolation process</c>: the hospital keeps Flower's
/// SuperNode (its node key, its connection to the SuperLink) and this process answers each message over the SuperNode's
/// ClientAppIo API with the same <see cref="IFlowerApp"/> the Fleet node (<see cref="FlowerNode"/>) runs.
/// </summary>
/// <remarks>
/// For each message, as Flower's SuperExec and <c>flwr-clientapp</c> do together: <c>ListAppsToLaunch</c> (runs with a
/// pending message), <c>RequestToken</c> (an empty token: another process took it), then with the token
/// <c>PullAppInputs</c> (context, run), <c>PullMessage</c> (metadata and object tree), <c>PullObject</c> for each object,
/// <c>ConfirmMessageReceived</c>, the app, <c>PushMessage</c> with the reply's tree, <c>PushObject</c> for each object the
/// SuperNode asks for, and <c>PushAppOutputs</c> with the context. An app heartbeat keeps the token alive meanwhile;
/// without it the SuperNode answers the message with Flower's "ClientApp crashed" error after about a minute.
/// </remarks>
public sealed class ClientAppIoNode
{
    private static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(10);

    private readonly W.ClientAppIo.ClientAppIoClient _client;
    private readonly IFlowerApp _app;
    private readonly string _address;
    private readonly TimeSpan _pollInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the process's loop.</summary>
    /// <param name="invoker">A call invoker on the SuperNode's ClientAppIo API.</param>
    /// <param name="app">What answers each message.</param>
    /// <param name="address">The SuperNode's address, for log lines and errors.</param>
    /// <param name="pollInterval">How often to ask for a pending message; <see langword="null"/> for 0.5 s.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    /// <param name="time">The clock; <see langword="null"/> for the system clock.</param>
    public ClientAppIoNode(CallInvoker invoker, IFlowerApp app, string address, TimeSpan? pollInterval = null, ILogger? logger = null, TimeProvider? time = null)
    {
        _client = new W.ClientAppIo.ClientAppIoClient(invoker);
        _app = app;
        _address = address;
        _pollInterval = pollInterval ?? TimeSpan.FromMilliseconds(500);
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How many messages this process has answered.</summary>
    public int Answered { get; private set; }

    /// <summary>Answers messages until <paramref name="ct"/> is cancelled.</summary>
    /// <param name="ct">Stops the loop.</param>
    /// <returns>A task that ends when the loop stops.</returns>
    /// <exception cref="FlowerProtocolException">The address is not a SuperNode's ClientAppIo API, or a call failed (an unreachable SuperNode is waited for with back-off).</exception>
    public async Task RunAsync(CancellationToken ct)
    {
        // A SuperNode that is not (yet, or no longer) reachable is waited for, as the Fleet node waits for its server.
        var backoff = new ReconnectBackoff(new FlowerNodeOptions().MaxReconnectDelay, _address, _logger, _time);
        while (!ct.IsCancellationRequested)
        {
            W.ListAppsToLaunchResponse runs;
            try
            {
                runs = await Call("ListAppsToLaunch", o => _client.ListAppsToLaunchAsync(new W.ListAppsToLaunchRequest(), o), ct).ConfigureAwait(false);
                backoff.Reset();
            }
            catch (FlowerProtocolException e) when (ReconnectBackoff.IsUnavailable(e) && !ct.IsCancellationRequested)
            {
                try
                {
                    await backoff.WaitAsync(ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            foreach (ulong runId in runs.RunIds)
            {
                W.RequestTokenResponse token = await Call("RequestToken", o => _client.RequestTokenAsync(new W.RequestTokenRequest { RunId = runId }, o), ct).ConfigureAwait(false);
                if (token.Token.Length > 0)
                {
                    await HandleAsync(token.Token, ct).ConfigureAwait(false);
                }
            }

            try
            {
                await Task.Delay(_pollInterval, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task HandleAsync(string token, CancellationToken ct)
    {
        using var beating = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task heartbeat = HeartbeatAsync(token, beating.Token);
        try
        {
            W.PullAppInputsResponse inputs = await Call("PullAppInputs", o => _client.PullAppInputsAsync(new W.PullAppInputsRequest { Token = token }, o), ct).ConfigureAwait(false);
            W.Context context = inputs.Context ?? throw FlowerProtocolException.BadMessage("PullAppInputs", "context", "absent");
            W.PullAppMessagesResponse pulled = await Call("PullMessage", o => _client.PullMessageAsync(new W.PullAppMessagesRequest { Token = token }, o), ct).ConfigureAwait(false);
            if (pulled.MessagesList.Count != 1 || pulled.MessageObjectTrees.Count != 1)
            {
                throw FlowerProtocolException.BadMessage("PullMessage", "messages_list", $"{pulled.MessagesList.Count} messages; expected 1");
            }

            W.Metadata meta = pulled.MessagesList[0].Metadata ?? throw FlowerProtocolException.BadMessage("PullMessage", "metadata", "absent");
            W.ObjectTree tree = pulled.MessageObjectTrees[0];
            _logger.LogInformation("Received {Type} message {MessageId} of run {RunId} from the SuperNode", meta.MessageType, Short(tree.ObjectId), meta.RunId);
            var node = new W.Node { NodeId = context.NodeId };
            var objects = new Dictionary<string, FlowerObject>(StringComparer.Ordinal);
            foreach (string id in ObjectCodec.PostOrderIds(tree).Distinct(StringComparer.Ordinal))
            {
                objects[id] = await PullObjectAsync(node, context.RunId, meta.MessageType, id, ct).ConfigureAwait(false);
            }

            await Call("ConfirmMessageReceived", o => _client.ConfirmMessageReceivedAsync(
                new W.ConfirmMessageReceivedRequest { Node = node, RunId = context.RunId, MessageObjectId = tree.ObjectId }, o), ct).ConfigureAwait(false);
            FlowerMessage inflated = ObjectCodec.Inflate(tree.ObjectId, objects);
            W.Metadata instructionMeta = meta.Clone();
            instructionMeta.MessageId = tree.ObjectId;
            FlowerMessage instruction = inflated.Content is { } content
                ? new FlowerMessage(instructionMeta, content)
                : throw FlowerProtocolException.BadMessage(meta.MessageType, "content", "the message carries an error instead of content");

            FlowerMessage reply = await FlowerNode.RunAppAsync(_app, new FlowerInstruction(instruction, inputs.Run), _time, _logger, ct).ConfigureAwait(false);
            DeflatedMessage deflated = ObjectCodec.Deflate(reply);
            var push = new W.PushAppMessagesRequest { Token = token };
            push.MessagesList.Add(deflated.Message);
            push.MessageObjectTrees.Add(deflated.Tree);
            W.PushAppMessagesResponse pushed = await Call("PushMessage", o => _client.PushMessageAsync(push, o), ct).ConfigureAwait(false);
            foreach (string id in pushed.ObjectsToPush)
            {
                FlowerObject obj = deflated.Objects.TryGetValue(id, out FlowerObject? o) ? o
                    : throw FlowerProtocolException.BadMessage(meta.MessageType, "objects_to_push", $"the SuperNode asks for {Short(id)}, which is not part of the reply");
                await Call("PushObject", opts => _client.PushObjectAsync(new W.PushObjectRequest
                {
                    Node = node,
                    RunId = context.RunId,
                    ObjectId = id,
                    ObjectContent = UnsafeByteOperations.UnsafeWrap(obj.Content),
                }, opts), ct).ConfigureAwait(false);
            }

            await Call("PushAppOutputs", o => _client.PushAppOutputsAsync(new W.PushAppOutputsRequest { Token = token, RunId = context.RunId, Context = context }, o), ct).ConfigureAwait(false);
            Answered++;
            _logger.LogInformation("Replied to {MessageId} with {ReplyId} ({Objects} objects pushed)", Short(tree.ObjectId), Short(deflated.MessageId), pushed.ObjectsToPush.Count);
        }
        finally
        {
            await beating.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }
    }

    private async Task HeartbeatAsync(string token, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _client.SendAppHeartbeatAsync(new W.SendAppHeartbeatRequest { Token = token }, cancellationToken: ct).ConfigureAwait(false);
                await Task.Delay(HeartbeatPeriod, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e)
            {
                _logger.LogWarning("App heartbeat to the SuperNode at {Address} failed: {Status}", _address, e.StatusCode);
            }
        }
    }

    private async Task<FlowerObject> PullObjectAsync(W.Node node, ulong runId, string messageType, string id, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            W.PullObjectResponse r = await Call("PullObject", o => _client.PullObjectAsync(new W.PullObjectRequest { Node = node, RunId = runId, ObjectId = id }, o), ct).ConfigureAwait(false);
            if (!r.ObjectFound)
            {
                throw FlowerProtocolException.ObjectNotFound(id, messageType);
            }

            if (r.ObjectAvailable)
            {
                return FlowerObject.Parse(r.ObjectContent.Memory, id);
            }

            if (attempt >= 50)
            {
                throw FlowerProtocolException.BadMessage(messageType, "object_available", $"object {Short(id)} stayed unavailable after {attempt + 1} attempts");
            }

            await Task.Delay(_pollInterval, _time, ct).ConfigureAwait(false);
        }
    }

    private async Task<TResponse> Call<TResponse>(string method, Func<CallOptions, AsyncUnaryCall<TResponse>> call, CancellationToken ct)
    {
        try
        {
            return await call(new CallOptions(cancellationToken: ct)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
        {
            throw new OperationCanceledException($"{method} was cancelled.", e, ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            throw FlowerProtocolException.CallFailed(_address, method, e.StatusCode.ToString(), e.Status.Detail,
                "this address does not offer a SuperNode's ClientAppIo API: pass the SuperNode's --clientappio-api-address (default port 9094)", e);
        }
        catch (RpcException e)
        {
            throw RpcFailures.From(e, _address, method, "ClientAppIo API default 9094; the SuperNode must run with --isolation process");
        }
    }

    private static string Short(string id) => id.Length > 16 ? id[..16] : id;
}
