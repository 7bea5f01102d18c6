using Flip.Flower.Fleet;
using Flip.Flower.Records;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Legacy;

/// <summary>
/// A client of Flower's legacy bidirectional transport (<c>FlowerService/Join</c>, "grpc-bidi"),
/// which Flower's deprecated <c>start_server()</c> still serves: it answers each server
/// instruction with exactly one reply until the server says reconnect.
/// </summary>
/// <remarks>
/// The same <see cref="IFlowerApp"/> as the Fleet node runs here. Mapping (flower-protocol.md (a), (c)):
/// <c>fit_ins</c> → <see cref="IFlowerApp.TrainAsync"/> with <c>arrays</c> (keys <c>"0"</c>, <c>"1"</c>, …) and
/// <c>config</c>; the reply's <c>arrays</c> become the parameters, <c>num-examples</c> the example count,
/// the other metrics the metrics map. <c>evaluate_ins</c> → <see cref="IFlowerApp.EvaluateAsync"/>; the
/// reply metric <c>loss</c> becomes the float32 loss. <c>get_parameters_ins</c> and
/// <c>get_properties_ins</c> → <see cref="IFlowerApp.QueryAsync"/> with message type
/// <c>query.get_parameters</c> / <c>query.get_properties</c>; the reply's <c>arrays</c> record or its
/// first config record answers, unless <see cref="Parameters"/> supplies the model for
/// <c>get_parameters</c> (Flower's <c>start_server</c> asks the first client for the initial model).
/// An app that throws <see cref="NotSupportedException"/> answers <c>*_NOT_IMPLEMENTED</c> as Flower
/// clients do. Any other failure of one instruction (a model that does not fit, a trainer error)
/// is logged with its exception and answered with a failure status whose message gives the reason
/// (the legacy schema has no general error code, so the code is the instruction's
/// <c>*_NOT_IMPLEMENTED</c>; Flower's server counts every code but <c>OK</c> as a failure and goes on).
/// The legacy transport carries no authentication.
/// </remarks>
public sealed class LegacyFlowerClient
{
    /// <summary>The legacy success message Flower's NumPyClient sends.</summary>
    public const string SuccessMessage = "Success";

    private readonly W.FlowerService.FlowerServiceClient _client;
    private readonly IFlowerApp _app;
    private readonly string _server;
    private readonly ILogger _logger;

    /// <summary>Creates a client.</summary>
    /// <param name="invoker">The transport (a <c>GrpcChannel</c> from <see cref="FlowerChannel.Create"/>).</param>
    /// <param name="app">What runs for each instruction.</param>
    /// <param name="server">The server address, for messages.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    public LegacyFlowerClient(CallInvoker invoker, IFlowerApp app, string server, ILogger<LegacyFlowerClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        _client = new W.FlowerService.FlowerServiceClient(invoker);
        _app = app ?? throw new ArgumentNullException(nameof(app));
        _server = server ?? throw new ArgumentNullException(nameof(server));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Joins the server and answers instructions until it sends <c>reconnect_ins</c> or closes the stream.</summary>
    /// <param name="ct">Ends the session.</param>
    /// <returns>The seconds the server asked the client to wait before reconnecting (0 = do not come back), or <see langword="null"/> when the server closed the stream.</returns>
    /// <exception cref="FlowerProtocolException">The call failed or the server sent something this client cannot answer.</exception>
    public async Task<long?> RunAsync(CancellationToken ct)
    {
        using AsyncDuplexStreamingCall<W.ClientMessage, W.ServerMessage> call = _client.Join(cancellationToken: ct);
        try
        {
            int round = 0;
            while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
            {
                W.ServerMessage instruction = call.ResponseStream.Current;
                if (instruction.MsgCase == W.ServerMessage.MsgOneofCase.ReconnectIns)
                {
                    await call.RequestStream.WriteAsync(new W.ClientMessage { DisconnectRes = new W.ClientMessage.Types.DisconnectRes { Reason = W.Reason.Reconnect } }, ct).ConfigureAwait(false);
                    await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                    await AwaitServerCloseAsync(call, ct).ConfigureAwait(false);
                    _logger.LogInformation("{Server} asked to reconnect in {Seconds} s; disconnected", _server, instruction.ReconnectIns.Seconds);
                    return instruction.ReconnectIns.Seconds;
                }

                W.ClientMessage reply = await AnswerAsync(instruction, ++round, ct).ConfigureAwait(false);
                await call.RequestStream.WriteAsync(reply, ct).ConfigureAwait(false);
            }

            return null;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
        {
            throw new OperationCanceledException("The legacy session was cancelled.", e, ct);
        }
        catch (RpcException e)
        {
            throw RpcFailures.From(e, _server, "FlowerService/Join", "legacy start_server default 8080");
        }
    }

    /// <summary>
    /// Waits (at most <see cref="CloseGrace"/>) for the server to end the stream after the
    /// disconnect: disposing the call earlier would cancel it and the server could miss the last reply.
    /// </summary>
    private async Task AwaitServerCloseAsync(AsyncDuplexStreamingCall<W.ClientMessage, W.ServerMessage> call, CancellationToken ct)
    {
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(ct);
        grace.CancelAfter(CloseGrace);
        try
        {
            while (await call.ResponseStream.MoveNext(grace.Token).ConfigureAwait(false))
            {
                _logger.LogWarning("{Server} sent {Type} after reconnect; ignored", _server, call.ResponseStream.Current.MsgCase);
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && !ct.IsCancellationRequested)
        {
            _logger.LogDebug("{Server} did not close the stream within {Seconds} s after the disconnect", _server, CloseGrace.TotalSeconds);
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            // Flower's start_server stops its gRPC server right after the reconnect: the stream ends with
            // UNAVAILABLE ("Cancelling all calls"). The session is over either way; that is its normal end.
            _logger.LogDebug("{Server} ended the stream with {Status} after the disconnect (its normal shutdown)", _server, e.StatusCode);
        }
    }

    /// <summary>
    /// The model this client answers <c>get_parameters</c> with, read when the server asks; <see langword="null"/>
    /// to ask the app (<c>query.get_parameters</c>).
    /// </summary>
    public Func<ArrayRecord>? Parameters { get; init; }

    /// <summary>How long to wait for the server to close the stream after the disconnect.</summary>
    /// <value>10 seconds.</value>
    public TimeSpan CloseGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The reply to one instruction (everything but reconnect).</summary>
    /// <param name="instruction">The server's message.</param>
    /// <param name="sequence">Number of this instruction in the session, for the synthetic metadata.</param>
    /// <param name="ct">Cancels the app.</param>
    /// <returns>The client message to send.</returns>
    /// <exception cref="FlowerProtocolException">An instruction with no member set (a failure of any other instruction is answered with a failure status).</exception>
    public async Task<W.ClientMessage> AnswerAsync(W.ServerMessage instruction, int sequence, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        try
        {
            return await AnswerOrThrowAsync(instruction, sequence, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && Failure(instruction.MsgCase) is { } failure)
        {
            string reason = FailureReason(e);
            _logger.LogError(e, "{What} (instruction {Sequence} of the session) failed; answered {Server} with a failure status: {Reason}", failure.What, sequence, _server, reason);
            return failure.Reply(new W.Status { Code = failure.Code, Message = $"{failure.What} failed on the client: {reason}" });
        }
    }

    /// <summary>What a failed instruction is answered with: its name, the legacy code and the empty reply carrying the status.</summary>
    private static (string What, W.Code Code, Func<W.Status, W.ClientMessage> Reply)? Failure(W.ServerMessage.MsgOneofCase instruction) => instruction switch
    {
        W.ServerMessage.MsgOneofCase.FitIns => ("fit", W.Code.FitNotImplemented,
            s => new W.ClientMessage { FitRes = new W.ClientMessage.Types.FitRes { Status = s, Parameters = new W.Parameters { TensorType = RecordKeys.NumpyStype } } }),
        W.ServerMessage.MsgOneofCase.EvaluateIns => ("evaluate", W.Code.EvaluateNotImplemented,
            s => new W.ClientMessage { EvaluateRes = new W.ClientMessage.Types.EvaluateRes { Status = s } }),
        W.ServerMessage.MsgOneofCase.GetParametersIns => ("get_parameters", W.Code.GetParametersNotImplemented,
            s => new W.ClientMessage { GetParametersRes = new W.ClientMessage.Types.GetParametersRes { Status = s, Parameters = new W.Parameters { TensorType = RecordKeys.NumpyStype } } }),
        W.ServerMessage.MsgOneofCase.GetPropertiesIns => ("get_properties", W.Code.GetPropertiesNotImplemented,
            s => new W.ClientMessage { GetPropertiesRes = new W.ClientMessage.Types.GetPropertiesRes { Status = s } }),
        _ => null,
    };

    /// <summary>
    /// The reason sent to the server. Only what describes the message itself leaves the site (STYLE.md, privacy): a
    /// <see cref="FlowerProtocolException"/>'s sentence (arrays, dtypes, shapes the server sent); for any other
    /// exception, whose message may hold a path or a value, only its type.
    /// </summary>
    private static string FailureReason(Exception e) => e is FlowerProtocolException
        ? e.Message.ReplaceLineEndings(" ").Trim()
        : $"<class '{e.GetType().Name}'>: the client's app raised an exception; details are in the client's log";

    private async Task<W.ClientMessage> AnswerOrThrowAsync(W.ServerMessage instruction, int sequence, CancellationToken ct)
    {
        switch (instruction.MsgCase)
        {
            case W.ServerMessage.MsgOneofCase.FitIns:
            {
                W.ServerMessage.Types.FitIns ins = instruction.FitIns;
                var content = new RecordDict
                {
                    { RecordKeys.Arrays, LegacyConversions.ToArrayRecord(ins.Parameters ?? new W.Parameters()) },
                    { RecordKeys.Config, LegacyConversions.ToConfigRecord(ins.Config) },
                };
                RecordDict? r = await CallAppAsync("train", content, sequence, ct).ConfigureAwait(false);
                var res = new W.ClientMessage.Types.FitRes { Status = Status(r, W.Code.FitNotImplemented, "fit") };
                if (r is not null)
                {
                    res.Parameters = LegacyConversions.ToParameters(Require<ArrayRecord>(r, RecordKeys.Arrays, "train"));
                    MetricRecord metrics = Require<MetricRecord>(r, RecordKeys.Metrics, "train");
                    res.NumExamples = NumExamples(metrics, "train");
                    LegacyConversions.AddScalars(metrics, res.Metrics, RecordKeys.NumExamples);
                }

                return new W.ClientMessage { FitRes = res };
            }

            case W.ServerMessage.MsgOneofCase.EvaluateIns:
            {
                W.ServerMessage.Types.EvaluateIns ins = instruction.EvaluateIns;
                var content = new RecordDict
                {
                    { RecordKeys.Arrays, LegacyConversions.ToArrayRecord(ins.Parameters ?? new W.Parameters()) },
                    { RecordKeys.Config, LegacyConversions.ToConfigRecord(ins.Config) },
                };
                RecordDict? r = await CallAppAsync("evaluate", content, sequence, ct).ConfigureAwait(false);
                var res = new W.ClientMessage.Types.EvaluateRes { Status = Status(r, W.Code.EvaluateNotImplemented, "evaluate") };
                if (r is not null)
                {
                    MetricRecord metrics = Require<MetricRecord>(r, RecordKeys.Metrics, "evaluate");
                    res.NumExamples = NumExamples(metrics, "evaluate");
                    res.Loss = metrics.TryGetValue("loss", out RecordValue? loss) ? (float)loss.ToDouble() : 0f;
                    LegacyConversions.AddScalars(metrics, res.Metrics, RecordKeys.NumExamples, "loss");
                }

                return new W.ClientMessage { EvaluateRes = res };
            }

            case W.ServerMessage.MsgOneofCase.GetParametersIns when Parameters is not null:
                return new W.ClientMessage
                {
                    GetParametersRes = new W.ClientMessage.Types.GetParametersRes
                    {
                        Status = new W.Status { Code = W.Code.Ok, Message = SuccessMessage },
                        Parameters = LegacyConversions.ToParameters(Parameters()),
                    },
                };

            case W.ServerMessage.MsgOneofCase.GetParametersIns:
            {
                var content = new RecordDict { { RecordKeys.Config, LegacyConversions.ToConfigRecord(instruction.GetParametersIns.Config) } };
                RecordDict? r = await CallAppAsync("query.get_parameters", content, sequence, ct).ConfigureAwait(false);
                var res = new W.ClientMessage.Types.GetParametersRes { Status = Status(r, W.Code.GetParametersNotImplemented, "get_parameters") };
                if (r is not null)
                {
                    res.Parameters = LegacyConversions.ToParameters(Require<ArrayRecord>(r, RecordKeys.Arrays, "get_parameters"));
                }

                return new W.ClientMessage { GetParametersRes = res };
            }

            case W.ServerMessage.MsgOneofCase.GetPropertiesIns:
            {
                var content = new RecordDict { { RecordKeys.Config, LegacyConversions.ToConfigRecord(instruction.GetPropertiesIns.Config) } };
                RecordDict? r = await CallAppAsync("query.get_properties", content, sequence, ct).ConfigureAwait(false);
                var res = new W.ClientMessage.Types.GetPropertiesRes { Status = Status(r, W.Code.GetPropertiesNotImplemented, "get_properties") };
                if (r is not null)
                {
                    ConfigRecord? properties = r.Select(kv => kv.Value).OfType<ConfigRecord>().FirstOrDefault();
                    if (properties is not null)
                    {
                        LegacyConversions.AddScalars(properties, res.Properties);
                    }
                }

                return new W.ClientMessage { GetPropertiesRes = res };
            }

            default:
                throw FlowerProtocolException.BadMessage("ServerMessage", "msg", $"found {instruction.MsgCase}; expected fit_ins, evaluate_ins, get_parameters_ins, get_properties_ins or reconnect_ins");
        }
    }

    private async Task<RecordDict?> CallAppAsync(string messageType, RecordDict content, int sequence, CancellationToken ct)
    {
        // The legacy transport has no message metadata; the app sees a synthetic one (ids empty, run 0).
        var metadata = new W.Metadata { MessageType = messageType, SrcNodeId = 1, GroupId = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var instruction = new FlowerInstruction(new FlowerMessage(metadata, content), null);
        try
        {
            return instruction.Action switch
            {
                "train" => await _app.TrainAsync(instruction, ct).ConfigureAwait(false),
                "evaluate" => await _app.EvaluateAsync(instruction, ct).ConfigureAwait(false),
                _ => await _app.QueryAsync(instruction, ct).ConfigureAwait(false),
            };
        }
        catch (Exception e) when (e is NotSupportedException or NotImplementedException)
        {
            _logger.LogInformation("The app does not implement {Type}; answering NOT_IMPLEMENTED", messageType);
            return null;
        }
    }

    private static W.Status Status(RecordDict? reply, W.Code notImplemented, string what) =>
        reply is null
            ? new W.Status { Code = notImplemented, Message = $"Client does not implement `{what}`" }
            : new W.Status { Code = W.Code.Ok, Message = SuccessMessage };

    private static T Require<T>(RecordDict reply, string key, string messageType)
        where T : FlowerRecord =>
        reply.TryGet(key, out T? record)
            ? record
            : throw FlowerProtocolException.BadMessage(messageType, key, $"the app's reply has no {typeof(T).Name} '{key}'");

    private static long NumExamples(MetricRecord metrics, string messageType) =>
        metrics.TryGetValue(RecordKeys.NumExamples, out RecordValue? n) && n.Kind == RecordValueKind.SInt64
            ? n.AsInt64()
            : throw FlowerProtocolException.BadMessage(messageType, RecordKeys.NumExamples, "the app's metrics need an integer 'num-examples' (sint64)");
}
