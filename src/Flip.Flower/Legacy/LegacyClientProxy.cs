using Flip.Flower.Records;
using Grpc.Core;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Legacy;

/// <summary>
/// One Flower client connected to a <see cref="LegacyFlowerService"/> over <c>FlowerService/Join</c>:
/// send it an instruction, get exactly one reply. Calls are serialised, so the server never has
/// two instructions outstanding on one stream (flower-protocol.md (a)).
/// </summary>
public sealed class LegacyClientProxy
{
    private readonly IAsyncStreamReader<W.ClientMessage> _requests;
    private readonly IServerStreamWriter<W.ServerMessage> _responses;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly TaskCompletionSource<Status> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal LegacyClientProxy(string peer, IAsyncStreamReader<W.ClientMessage> requests, IServerStreamWriter<W.ServerMessage> responses)
    {
        Peer = peer;
        _requests = requests;
        _responses = responses;
    }

    /// <summary>The client's network peer as gRPC reports it (for example <c>ipv4:127.0.0.1:53210</c>).</summary>
    public string Peer { get; }

    /// <summary>Whether the session has ended (disconnected, aborted or lost).</summary>
    public bool IsClosed => _closed.Task.IsCompleted;

    /// <summary>Completes with the status the <c>Join</c> call ends with.</summary>
    internal Task<Status> Closed => _closed.Task;

    /// <summary>Asks the client to train: <c>fit_ins</c> → <c>fit_res</c>.</summary>
    /// <param name="parameters">The global model, sent as NPY tensors in record order.</param>
    /// <param name="config">The round's config (scalars only).</param>
    /// <param name="ct">The round deadline; when it fires the session is aborted with <c>DEADLINE_EXCEEDED</c>, as Flower does.</param>
    /// <returns>The client's reply.</returns>
    /// <exception cref="FlowerProtocolException">The client left, answered with something else, or the deadline passed.</exception>
    public async Task<W.ClientMessage.Types.FitRes> FitAsync(ArrayRecord parameters, ConfigRecord config, CancellationToken ct)
    {
        var ins = new W.ServerMessage.Types.FitIns { Parameters = LegacyConversions.ToParameters(parameters) };
        LegacyConversions.AddScalars(config, ins.Config);
        W.ClientMessage reply = await ExchangeAsync(new W.ServerMessage { FitIns = ins }, W.ClientMessage.MsgOneofCase.FitRes, ct).ConfigureAwait(false);
        return reply.FitRes;
    }

    /// <summary>Asks the client to evaluate: <c>evaluate_ins</c> → <c>evaluate_res</c>.</summary>
    /// <param name="parameters">The model to evaluate.</param>
    /// <param name="config">The config (scalars only).</param>
    /// <param name="ct">The round deadline.</param>
    /// <returns>The client's reply.</returns>
    /// <exception cref="FlowerProtocolException">The client left, answered with something else, or the deadline passed.</exception>
    public async Task<W.ClientMessage.Types.EvaluateRes> EvaluateAsync(ArrayRecord parameters, ConfigRecord config, CancellationToken ct)
    {
        var ins = new W.ServerMessage.Types.EvaluateIns { Parameters = LegacyConversions.ToParameters(parameters) };
        LegacyConversions.AddScalars(config, ins.Config);
        W.ClientMessage reply = await ExchangeAsync(new W.ServerMessage { EvaluateIns = ins }, W.ClientMessage.MsgOneofCase.EvaluateRes, ct).ConfigureAwait(false);
        return reply.EvaluateRes;
    }

    /// <summary>Asks the client for its initial parameters: <c>get_parameters_ins</c> → <c>get_parameters_res</c>.</summary>
    /// <param name="config">The config (scalars only; Flower sends none).</param>
    /// <param name="ct">The deadline.</param>
    /// <returns>The client's reply.</returns>
    /// <exception cref="FlowerProtocolException">The client left, answered with something else, or the deadline passed.</exception>
    public async Task<W.ClientMessage.Types.GetParametersRes> GetParametersAsync(ConfigRecord config, CancellationToken ct)
    {
        var ins = new W.ServerMessage.Types.GetParametersIns();
        LegacyConversions.AddScalars(config, ins.Config);
        W.ClientMessage reply = await ExchangeAsync(new W.ServerMessage { GetParametersIns = ins }, W.ClientMessage.MsgOneofCase.GetParametersRes, ct).ConfigureAwait(false);
        return reply.GetParametersRes;
    }

    /// <summary>Asks the client for properties: <c>get_properties_ins</c> → <c>get_properties_res</c>.</summary>
    /// <param name="config">The config (scalars only).</param>
    /// <param name="ct">The deadline.</param>
    /// <returns>The client's reply.</returns>
    /// <exception cref="FlowerProtocolException">The client left, answered with something else, or the deadline passed.</exception>
    public async Task<W.ClientMessage.Types.GetPropertiesRes> GetPropertiesAsync(ConfigRecord config, CancellationToken ct)
    {
        var ins = new W.ServerMessage.Types.GetPropertiesIns();
        LegacyConversions.AddScalars(config, ins.Config);
        W.ClientMessage reply = await ExchangeAsync(new W.ServerMessage { GetPropertiesIns = ins }, W.ClientMessage.MsgOneofCase.GetPropertiesRes, ct).ConfigureAwait(false);
        return reply.GetPropertiesRes;
    }

    /// <summary>Ends the session as <c>start_server</c> does after the last round: <c>reconnect_ins</c> → <c>disconnect_res</c>, then the stream closes.</summary>
    /// <param name="seconds">When the client may come back; 0 (Flower's value) means not at all.</param>
    /// <param name="ct">The deadline.</param>
    /// <returns>The client's stated reason (normally <c>RECONNECT</c>).</returns>
    /// <exception cref="FlowerProtocolException">The client left or answered with something else.</exception>
    public async Task<W.Reason> DisconnectAsync(long seconds, CancellationToken ct)
    {
        W.ClientMessage reply = await ExchangeAsync(
            new W.ServerMessage { ReconnectIns = new W.ServerMessage.Types.ReconnectIns { Seconds = seconds } }, W.ClientMessage.MsgOneofCase.DisconnectRes, ct).ConfigureAwait(false);
        _closed.TrySetResult(Status.DefaultSuccess);
        return reply.DisconnectRes.Reason;
    }

    internal void Abort(Status status) => _closed.TrySetResult(status);

    private async Task<W.ClientMessage> ExchangeAsync(W.ServerMessage instruction, W.ClientMessage.MsgOneofCase expected, CancellationToken ct)
    {
        try
        {
            await _turn.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw FlowerProtocolException.BadMessage(instruction.MsgCase.ToString(), "deadline", $"the deadline passed before {instruction.MsgCase} could be sent to client {Peer}");
        }

        try
        {
            if (IsClosed)
            {
                throw FlowerProtocolException.BadMessage(instruction.MsgCase.ToString(), "session", $"client {Peer} is no longer connected");
            }

            // Neither stream operation gets the deadline token: cancelling a read aborts the HTTP/2
            // stream, and the client would see CANCELLED instead of Flower's DEADLINE_EXCEEDED.
            await _responses.WriteAsync(instruction, CancellationToken.None).WaitAsync(ct).ConfigureAwait(false);
            Task<bool> read = _requests.MoveNext(CancellationToken.None);
            bool answered;
            try
            {
                answered = await read.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                _ = read.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                throw;
            }

            if (!answered)
            {
                Abort(Status.DefaultSuccess);
                throw FlowerProtocolException.BadMessage(instruction.MsgCase.ToString(), "session", $"client {Peer} closed the stream instead of answering");
            }

            W.ClientMessage reply = _requests.Current;
            if (reply.MsgCase != expected)
            {
                Abort(new Status(StatusCode.InvalidArgument, $"expected {expected}, got {reply.MsgCase}"));
                throw FlowerProtocolException.BadMessage(instruction.MsgCase.ToString(), "msg", $"client {Peer} answered {reply.MsgCase}; expected {expected}");
            }

            return reply;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // A late reply would break the strict alternation: end the session as Flower does.
            Abort(new Status(StatusCode.DeadlineExceeded, "the client did not answer before the round deadline"));
            throw FlowerProtocolException.BadMessage(instruction.MsgCase.ToString(), "deadline", $"client {Peer} did not answer before the deadline; the session was aborted");
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or RpcException)
        {
            Abort(Status.DefaultCancelled);
            throw FlowerProtocolException.BadMessage(instruction.MsgCase.ToString(), "session", $"client {Peer} was lost ({e.GetType().Name})");
        }
        finally
        {
            _turn.Release();
        }
    }
}
