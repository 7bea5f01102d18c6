using Flip.Flower.Auth;
using Flip.Flower.Wire;
using Metadata = Grpc.Core.Metadata;
using Status = Grpc.Core.Status;
using Google.Protobuf;
using Grpc.Core;

namespace Flip.Flower.Tests.Fleet;

/// <summary>
/// Answers a node's Fleet calls with the responses the real SuperLink gave one SuperNode in the
/// captured session, and records each request beside the captured one it was matched with.
/// </summary>
internal sealed class ReplayCallInvoker(IReadOnlyList<CapturedCall> calls, ulong runId) : CallInvoker
{
    private readonly object _gate = new();

    public List<(string Method, byte[] Ours, CapturedCall? Captured, Metadata Headers)> Log { get; } = [];

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw new NotSupportedException();

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        byte[] ours = ((IMessage)request).ToByteArray();
        byte[] response;
        lock (_gate)
        {
            CapturedCall? match = Match(method.Name, (IMessage)request);
            Log.Add((method.Name, ours, match, options.Headers ?? []));
            if (match is null)
            {
                if (method.Name != "GetRun")
                {
                    throw new RpcException(new Status(StatusCode.Internal, $"no captured {method.Name} call left for this node"));
                }

                // GetRun/GetFab were left out of the capture (they embed the test app): answer with the run id only.
                response = new GetRunResponse { Run = new Run { RunId = runId, Status = new RunStatus { Status = "running" } } }.ToByteArray();
            }
            else
            {
                match.Used = true;
                response = match.Response;
            }
        }

        var parser = (MessageParser)typeof(TResponse).GetProperty("Parser")!.GetValue(null)!;
        var parsed = (TResponse)parser.ParseFrom(response);
        return new AsyncUnaryCall<TResponse>(Task.FromResult(parsed), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw new NotSupportedException();

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException();

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException();

    private CapturedCall? Match(string method, IMessage request)
    {
        // Objects move concurrently in any order: match those by object id, the rest in order.
        string? objectId = request switch
        {
            PullObjectRequest r => r.ObjectId,
            PushObjectRequest r => r.ObjectId,
            _ => null,
        };
        return calls.FirstOrDefault(c => !c.Used && c.Method == method && (objectId is null || ObjectIdOf(c) == objectId));
    }

    private static string? ObjectIdOf(CapturedCall c) => c.ParseRequest() switch
    {
        PullObjectRequest r => r.ObjectId,
        PushObjectRequest r => r.ObjectId,
        _ => null,
    };

    public static bool HeadersVerify(Metadata headers) =>
        AuthMetadata.TryVerify(headers, DateTimeOffset.Parse(headers.GetValue(AuthMetadata.TimestampKey)!, System.Globalization.CultureInfo.InvariantCulture), out _, out _);
}
