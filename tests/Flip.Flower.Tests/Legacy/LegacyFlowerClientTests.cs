using System.Net;
using Flip.Flower.Fleet;
using Flip.Flower.Legacy;
using Flip.Flower.Npy;
using ArrayRecord = Flip.Flower.Records.ArrayRecord;
using RecordDict = Flip.Flower.Records.RecordDict;
using Flip.Flower.Wire;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flip.Flower.Tests.Legacy;

public sealed class LegacyFlowerClientTests
{
    private static ServerMessage Server(string file) => ServerMessage.Parser.ParseFrom(Vectors.Read("legacy/" + file));

    private static byte[] Client(string file) => Vectors.Read("legacy/" + file);

    [Theory]
    [InlineData("server_fit_ins.bin", "client_fit_res.bin")]
    [InlineData("server_evaluate_ins.bin", "client_evaluate_res.bin")]
    [InlineData("server_get_parameters_ins.bin", "client_get_parameters_res.bin")]
    public async Task Answers_equal_flowers_client_bytes(string instruction, string expected)
    {
        var client = new LegacyFlowerClient(new ThrowingInvoker(), new VectorApp(), "unused");

        ClientMessage reply = await client.AnswerAsync(Server(instruction), 1, CancellationToken.None);

        Assert.Equal(Client(expected), reply.ToByteArray());
    }

    [Fact]
    public async Task Get_properties_answer_equals_flowers_as_a_dictionary()
    {
        var client = new LegacyFlowerClient(new ThrowingInvoker(), new VectorApp(), "unused");

        ClientMessage reply = await client.AnswerAsync(Server("server_get_properties_ins.bin"), 1, CancellationToken.None);

        // Python's map order is arbitrary; compare as messages (maps as dictionaries).
        Assert.Equal(ClientMessage.Parser.ParseFrom(Client("client_get_properties_res.bin")), reply);
        Assert.Equal(Client("client_get_properties_res.bin").Length, reply.CalculateSize());
    }

    [Fact]
    public async Task An_app_without_train_answers_fit_not_implemented_as_flower_does()
    {
        var client = new LegacyFlowerClient(new ThrowingInvoker(), new NoTrainApp(), "unused");

        ClientMessage reply = await client.AnswerAsync(Server("server_fit_ins.bin"), 1, CancellationToken.None);

        Assert.Equal(Client("client_fit_res_not_implemented.bin"), reply.ToByteArray());
    }

    [Fact]
    public async Task A_fit_the_app_fails_is_answered_with_a_failure_status_naming_the_reason()
    {
        var client = new LegacyFlowerClient(new ThrowingInvoker(), new FailingApp(), "unused");

        ClientMessage fit = await client.AnswerAsync(Server("server_fit_ins.bin"), 1, CancellationToken.None);
        ClientMessage evaluate = await client.AnswerAsync(Server("server_evaluate_ins.bin"), 2, CancellationToken.None);

        // The legacy schema has no general error code: Flower's server counts any code but OK as a failure and goes on.
        // A protocol mismatch is described; any other exception leaves only its type (its message may hold a path or a value).
        Assert.Equal(Code.FitNotImplemented, fit.FitRes.Status.Code);
        Assert.Equal("fit failed on the client: Flower message 'fit', parameters.tensors: holds 2 arrays; the model has 92.", fit.FitRes.Status.Message);
        Assert.Equal(Code.EvaluateNotImplemented, evaluate.EvaluateRes.Status.Code);
        Assert.Equal("evaluate failed on the client: <class 'IOException'>: the client's app raised an exception; details are in the client's log", evaluate.EvaluateRes.Status.Message);
        Assert.DoesNotContain("/data/patient", evaluate.EvaluateRes.Status.Message);
    }

    [Fact]
    public async Task Get_parameters_is_answered_with_the_model_the_client_offers()
    {
        var model = ArrayRecord.FromList([NpyArray.FromValues<float>([1f, 2f, 3f], 3), NpyArray.FromValues<long>([7L])]);
        var client = new LegacyFlowerClient(new ThrowingInvoker(), new FailingApp(), "unused") { Parameters = () => model };

        ClientMessage reply = await client.AnswerAsync(Server("server_get_parameters_ins.bin"), 1, CancellationToken.None);

        Assert.Equal(Code.Ok, reply.GetParametersRes.Status.Code);
        Assert.Equal(LegacyConversions.ToParameters(model), reply.GetParametersRes.Parameters);
        Assert.Equal([1f, 2f, 3f], LegacyConversions.ToArrayRecord(reply.GetParametersRes.Parameters)["0"].ToArray<float>());
    }

    [Fact]
    public async Task A_session_over_loopback_grpc_follows_flowers_sequence_and_disconnects_on_reconnect()
    {
        // Given a legacy server that plays Flower's start_server sequence from the vectors
        var script = new ScriptedLegacyServer(
        [
            Server("server_get_parameters_ins.bin"), Server("server_fit_ins.bin"), Server("server_evaluate_ins.bin"),
            Server("server_get_properties_ins.bin"), Server("server_reconnect_ins.bin"),
        ]);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(script);
        await using WebApplication app = builder.Build();
        app.MapGrpcService<ScriptedLegacyServer>();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using GrpcChannel channel = FlowerChannel.Create(address);
        var vectorApp = new VectorApp();
        var client = new LegacyFlowerClient(channel.CreateCallInvoker(), vectorApp, address.ToString());

        // When the client runs the session
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        long? reconnect = await client.RunAsync(timeout.Token);
        await script.Finished.Task.WaitAsync(timeout.Token);
        await app.StopAsync();

        // Then it answered every instruction with Flower's bytes and said RECONNECT
        Assert.Equal(0, reconnect);
        Assert.Equal(["query.get_parameters", "train lr=0.01 epochs=2 name=site-a arrays=float32[2, 2],float32[1]", "evaluate round=3", "query.get_properties"], vectorApp.Seen);
        Assert.Equal(5, script.Replies.Count);
        Assert.Equal(Client("client_get_parameters_res.bin"), script.Replies[0].ToByteArray());
        Assert.Equal(Client("client_fit_res.bin"), script.Replies[1].ToByteArray());
        Assert.Equal(Client("client_evaluate_res.bin"), script.Replies[2].ToByteArray());
        Assert.Equal(ClientMessage.Parser.ParseFrom(Client("client_get_properties_res.bin")), script.Replies[3]);
        Assert.Equal(Client("client_disconnect_res.bin"), script.Replies[4].ToByteArray());
    }

    private sealed class FailingApp : IFlowerApp
    {
        public Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct) => throw FlowerProtocolException.BadMessage("fit", "parameters.tensors", "holds 2 arrays; the model has 92");

        public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct) => throw new IOException("/data/patient-0042/t2w.dcm: unreadable");

        public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct) => throw new InvalidOperationException("no query");
    }

    private sealed class NoTrainApp : IFlowerApp
    {
        public Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct) => throw new NotSupportedException();

        public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct) => throw new NotSupportedException();

        public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct) => throw new NotSupportedException();
    }

    /// <summary>Writes each scripted instruction, reads exactly one reply after each.</summary>
    private sealed class ScriptedLegacyServer(IReadOnlyList<ServerMessage> script) : FlowerService.FlowerServiceBase
    {
        public List<ClientMessage> Replies { get; } = [];

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task Join(IAsyncStreamReader<ClientMessage> requestStream, IServerStreamWriter<ServerMessage> responseStream, ServerCallContext context)
        {
            try
            {
                foreach (ServerMessage instruction in script)
                {
                    await responseStream.WriteAsync(instruction);
                    if (!await requestStream.MoveNext(context.CancellationToken))
                    {
                        return;
                    }

                    Replies.Add(requestStream.Current);
                }
            }
            finally
            {
                Finished.TrySetResult();
            }
        }
    }

    private sealed class ThrowingInvoker : CallInvoker
    {
        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();
    }
}
