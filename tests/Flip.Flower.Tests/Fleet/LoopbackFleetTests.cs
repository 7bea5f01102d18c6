using System.Net;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Flip.Flower.Npy;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace Flip.Flower.Tests.Fleet;

/// <summary>Our node against our Fleet service over real gRPC on 127.0.0.1.</summary>
public sealed class LoopbackFleetTests : IAsyncLifetime
{
    private const ulong RunId = 18_000_000_000_000_000_123UL; // above 2^63, as real run ids can be

    private readonly FleetService _service = new();
    private WebApplication? _app;
    private GrpcChannel? _channel;
    private Uri? _address;

    public async Task InitializeAsync()
    {
        (_app, _address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, _service, null, CancellationToken.None);
        _channel = FlowerChannel.Create(_address);
        _service.StartRun(RunId);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Adds 1 to every float32 value; reports 10 examples; evaluates to loss = first value.</summary>
    private sealed class PlusOneApp : IFlowerApp
    {
        public Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct)
        {
            var arrays = new ArrayRecord();
            foreach ((string name, NpyArray a) in (ArrayRecord)instruction.Content[RecordKeys.Arrays])
            {
                arrays.Add(name, NpyArray.FromValues<float>(a.ToArray<float>().Select(v => v + 1).ToArray(), [.. a.Shape]));
            }

            return Task.FromResult(new RecordDict
            {
                { RecordKeys.Arrays, arrays },
                { RecordKeys.Metrics, new MetricRecord { { "train-loss", RecordValue.Of(0.5) }, { RecordKeys.NumExamples, RecordValue.Of(10L) } } },
            });
        }

        public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct)
        {
            float first = ((ArrayRecord)instruction.Content[RecordKeys.Arrays])["0"].ToArray<float>()[0];
            return Task.FromResult(new RecordDict
            {
                { RecordKeys.Metrics, new MetricRecord { { "loss", RecordValue.Of((double)first) }, { RecordKeys.NumExamples, RecordValue.Of(10L) } } },
            });
        }

        public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct) =>
            throw new InvalidOperationException("/secret/path/patient-123 must not leave the site");
    }

    private static RecordDict Instruction(float[] values, long round) => new()
    {
        { RecordKeys.Arrays, ArrayRecord.FromList([NpyArray.FromValues<float>(values, 2, 2)]) },
        { RecordKeys.Config, new ConfigRecord { { RecordKeys.ServerRound, RecordValue.Of(round) } } },
    };

    [Fact]
    public async Task A_node_trains_evaluates_and_answers_errors_over_loopback_grpc()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using NodeIdentity identity = NodeIdentity.Create();
        var node = new FlowerNode(_channel!.CreateCallInvoker(), identity, new PlusOneApp(), _address!.ToString());

        ulong nodeId = await node.RegisterAsync(timeout.Token);
        Assert.True(await node.SendHeartbeatAsync(timeout.Token));
        Assert.Equal([nodeId], _service.OnlineNodes());
        Assert.Equal(PollResult.NoMessage, await node.PollOnceAsync(timeout.Token));

        string train = _service.SendInstruction(nodeId, RunId, "train", Instruction([1, 2, 3, 4], 1));
        Assert.Equal(PollResult.Replied, await node.PollOnceAsync(timeout.Token));
        FlowerMessage trained = await _service.WaitForReplyAsync(train, timeout.Token);
        Assert.Equal([2f, 3f, 4f, 5f], ((ArrayRecord)trained.Content!["arrays"])["0"].ToArray<float>());
        Assert.Equal(10, ((MetricRecord)trained.Content["metrics"])["num-examples"].AsInt64());
        Assert.Equal(nodeId, trained.Metadata.SrcNodeId);
        Assert.Equal(RunId, trained.Metadata.RunId);

        string evaluate = _service.SendInstruction(nodeId, RunId, "evaluate", Instruction([7, 0, 0, 0], 1));
        Assert.Equal(PollResult.Replied, await node.PollOnceAsync(timeout.Token));
        FlowerMessage evaluated = await _service.WaitForReplyAsync(evaluate, timeout.Token);
        Assert.Equal(7.0, ((MetricRecord)evaluated.Content!["metrics"])["loss"].AsDouble());

        string query = _service.SendInstruction(nodeId, RunId, "query", new RecordDict());
        Assert.Equal(PollResult.Replied, await node.PollOnceAsync(timeout.Token));
        FlowerMessage failed = await _service.WaitForReplyAsync(query, timeout.Token);
        Assert.Null(failed.Content);
        Assert.Equal(2, failed.Error!.Code);
        Assert.Equal("<class 'InvalidOperationException'>:<'the .NET app raised an exception; details are in the node's log'>", failed.Error.Reason);

        await node.DeactivateAsync(timeout.Token);
        Assert.Empty(_service.OnlineNodes());
        Assert.Equal(0, _service.StoredObjectCount); // confirmed instructions and complete replies leave nothing behind
    }

    [Fact]
    public async Task Two_nodes_whose_replies_share_an_object_both_deliver_when_the_second_uploads_it_after_the_first()
    {
        // Objects are content-addressed, so two nodes returning an identical array announce the same object id. Here node B
        // is asked for it (its PushMessages comes while A's copy is still missing) and uploads it only after A's reply is complete.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var bAnnounced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using NodeIdentity identityA = NodeIdentity.Create(), identityB = NodeIdentity.Create();
        var a = new FlowerNode(_channel!.Intercept(new GateInterceptor(beforePushObject: bAnnounced.Task)), identityA, new PlusOneApp(), _address!.ToString());
        var b = new FlowerNode(_channel!.Intercept(new GateInterceptor(beforePushObject: aDelivered.Task, afterPushMessages: bAnnounced)), identityB, new PlusOneApp(), _address!.ToString());
        ulong idA = await a.RegisterAsync(timeout.Token), idB = await b.RegisterAsync(timeout.Token);

        string trainA = _service.SendInstruction(idA, RunId, "train", Instruction([1, 2, 3, 4], 1));
        string trainB = _service.SendInstruction(idB, RunId, "train", Instruction([1, 2, 3, 4], 1));
        Task<PollResult> pollA = a.PollOnceAsync(timeout.Token), pollB = b.PollOnceAsync(timeout.Token);
        FlowerMessage replyA = await _service.WaitForReplyAsync(trainA, timeout.Token);
        aDelivered.SetResult();
        FlowerMessage replyB = await _service.WaitForReplyAsync(trainB, timeout.Token);

        Assert.Equal(PollResult.Replied, await pollA);
        Assert.Equal(PollResult.Replied, await pollB);
        Assert.Equal([2f, 3f, 4f, 5f], ((ArrayRecord)replyA.Content!["arrays"])["0"].ToArray<float>());
        Assert.Equal([2f, 3f, 4f, 5f], ((ArrayRecord)replyB.Content!["arrays"])["0"].ToArray<float>());
        Assert.Equal(idB, replyB.Metadata.SrcNodeId);
    }

    [Fact]
    public async Task An_object_nobody_asked_for_is_refused_and_the_node_stays_registered()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using NodeIdentity identity = NodeIdentity.Create();
        var node = new FlowerNode(_channel!.CreateCallInvoker(), identity, new PlusOneApp(), _address!.ToString());
        ulong nodeId = await node.RegisterAsync(timeout.Token);
        FlowerObject unasked = FlowerObject.Create("ArrayChunk", [], [1, 2, 3, 4]);
        var client = new Flip.Flower.Wire.Fleet.FleetClient(_channel!);

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.PushObjectAsync(
            new Flip.Flower.Wire.PushObjectRequest
            {
                Node = new Flip.Flower.Wire.Node { NodeId = nodeId }, RunId = RunId, ObjectId = unasked.Id, ObjectContent = Google.Protobuf.ByteString.CopyFrom(unasked.Content.Span),
            },
            AuthMetadata.Create(identity, DateTimeOffset.UtcNow)));

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("was not announced in a pushed message's object tree", refused.Status.Detail, StringComparison.Ordinal);
        Assert.True(await node.SendHeartbeatAsync(timeout.Token));
        Assert.Equal(0, _service.StoredObjectCount);
    }

    [Fact]
    public async Task RunAsync_serves_three_rounds_then_deactivates_when_cancelled()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        using NodeIdentity identity = NodeIdentity.Create();
        var node = new FlowerNode(_channel!.CreateCallInvoker(), identity, new PlusOneApp(), _address!.ToString(), new FlowerNodeOptions { PollInterval = TimeSpan.FromMilliseconds(20) });

        Task running = node.RunAsync(stop.Token);
        while (_service.OnlineNodes().Count == 0)
        {
            await Task.Delay(20, timeout.Token);
        }

        ulong nodeId = _service.OnlineNodes()[0];
        float[] model = [0, 0, 0, 0];
        for (int round = 1; round <= 3; round++)
        {
            string train = _service.SendInstruction(nodeId, RunId, "train", Instruction(model, round));
            FlowerMessage reply = await _service.WaitForReplyAsync(train, timeout.Token);
            model = ((ArrayRecord)reply.Content!["arrays"])["0"].ToArray<float>();
        }

        await stop.CancelAsync();
        await running;

        Assert.Equal([3f, 3f, 3f, 3f], model);
        Assert.Empty(_service.OnlineNodes());
    }

    [Fact]
    public async Task A_node_restarted_with_its_persisted_key_keeps_its_node_id()
    {
        string folder = Directory.CreateTempSubdirectory("flip-flower-node").FullName;
        try
        {
            string keyFile = Path.Combine(folder, "node.pem");
            ulong first;
            using (NodeIdentity identity = NodeIdentity.LoadOrCreate(keyFile))
            {
                first = await new FlowerNode(_channel!.CreateCallInvoker(), identity, new PlusOneApp(), _address!.ToString()).RegisterAsync(CancellationToken.None);
            }

            using NodeIdentity again = NodeIdentity.LoadOrCreate(keyFile);
            ulong second = await new FlowerNode(_channel!.CreateCallInvoker(), again, new PlusOneApp(), _address!.ToString()).RegisterAsync(CancellationToken.None);

            Assert.Equal(first, second);
            Assert.Equal([first], _service.OnlineNodes());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task An_instruction_of_an_unknown_type_gets_an_error_reply()
    {
        using NodeIdentity identity = NodeIdentity.Create();
        var node = new FlowerNode(_channel!.CreateCallInvoker(), identity, new PlusOneApp(), _address!.ToString());
        ulong nodeId = await node.RegisterAsync(CancellationToken.None);

        string id = _service.SendInstruction(nodeId, RunId, "reconnect", new RecordDict());
        Assert.Equal(PollResult.Replied, await node.PollOnceAsync(CancellationToken.None));
        FlowerMessage reply = await _service.WaitForReplyAsync(id, CancellationToken.None);

        Assert.Equal(2, reply.Error!.Code);
        Assert.StartsWith("<class 'NotSupportedException'>", reply.Error.Reason, StringComparison.Ordinal);
        Assert.Equal("reconnect", reply.Metadata.MessageType);
    }

    [Fact]
    public async Task RunAsync_registers_again_when_the_server_restarts_and_forgets_it()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        using NodeIdentity identity = NodeIdentity.Create();
        var node = new FlowerNode(_channel!.CreateCallInvoker(), identity, new PlusOneApp(), _address!.ToString(), new FlowerNodeOptions { PollInterval = TimeSpan.FromMilliseconds(20) });
        Task running = node.RunAsync(stop.Token);
        while (_service.OnlineNodes().Count == 0)
        {
            await Task.Delay(20, timeout.Token);
        }

        // When the server restarts on the same port with empty state
        await _app!.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        var restarted = new FleetService();
        restarted.StartRun(RunId);
        (_app, _) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, _address!.Port), null, restarted, null, timeout.Token);
        while (restarted.OnlineNodes().Count == 0)
        {
            await Task.Delay(20, timeout.Token);
        }

        // Then the node serves the new server
        string train = restarted.SendInstruction(restarted.OnlineNodes()[0], RunId, "train", Instruction([1, 1, 1, 1], 1));
        FlowerMessage reply = await restarted.WaitForReplyAsync(train, timeout.Token);
        await stop.CancelAsync();
        await running;

        Assert.Equal([2f, 2f, 2f, 2f], ((ArrayRecord)reply.Content!["arrays"])["0"].ToArray<float>());
        Assert.Empty(restarted.OnlineNodes());
    }

    [Fact]
    public async Task A_node_that_stops_sending_heartbeats_drops_out_of_the_online_list()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var service = new FleetService(time: clock);
        (WebApplication app, Uri address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, service, null, CancellationToken.None);
        try
        {
            using GrpcChannel channel = FlowerChannel.Create(address);
            using NodeIdentity identity = NodeIdentity.Create();
            var node = new FlowerNode(channel.CreateCallInvoker(), identity, new PlusOneApp(), address.ToString(), time: clock);
            ulong id = await node.RegisterAsync(CancellationToken.None);

            clock.Now += TimeSpan.FromSeconds(25);
            Assert.Equal([id], service.OnlineNodes());
            Assert.True(await node.SendHeartbeatAsync(CancellationToken.None));
            clock.Now += TimeSpan.FromSeconds(29);
            Assert.Equal([id], service.OnlineNodes());
            clock.Now += TimeSpan.FromSeconds(2);
            Assert.Empty(service.OnlineNodes());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task GetRun_and_GetFab_serve_the_runs_app_bundle_by_its_sha256()
    {
        // Given a run with an app bundle (any bytes: the service does not open it)
        const ulong runWithApp = 42UL;
        byte[] fab = [0x50, 0x4B, 0x05, 0x06, .. new byte[18]]; // an empty zip
        _service.StartRun(runWithApp, new Dictionary<string, Flip.Flower.Wire.Scalar> { ["num-server-rounds"] = new() { Sint64 = 3 } }, fab, "flip/prostate", "1.0.0");
        using NodeIdentity identity = NodeIdentity.Create();
        var node = new FlowerNode(_channel!.CreateCallInvoker(), identity, new PlusOneApp(), _address!.ToString());
        ulong nodeId = await node.RegisterAsync(CancellationToken.None);
        var client = new Flip.Flower.Wire.Fleet.FleetClient(_channel);
        Grpc.Core.CallOptions Signed() => new(headers: AuthMetadata.Create(identity, DateTimeOffset.UtcNow));

        // When a SuperNode asks for the run and its FAB
        Flip.Flower.Wire.Run run = (await client.GetRunAsync(new() { Node = new() { NodeId = nodeId }, RunId = runWithApp }, Signed())).Run;
        Flip.Flower.Wire.Fab served = (await client.GetFabAsync(new() { Node = new() { NodeId = nodeId }, RunId = runWithApp, HashStr = run.FabHash }, Signed())).Fab;

        // Then the hash is the bundle's SHA-256 and the bytes come back unchanged
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(fab)), run.FabHash);
        Assert.Equal(("flip/prostate", "1.0.0", "running"), (run.FabId, run.FabVersion, run.Status.Status));
        Assert.Equal(3, run.OverrideConfig["num-server-rounds"].Sint64);
        Assert.Equal(run.FabHash, served.HashStr);
        Assert.Equal(fab, served.Content.ToByteArray());
    }

    [Fact]
    public async Task A_node_whose_clock_is_wrong_is_refused_with_a_fix()
    {
        using NodeIdentity identity = NodeIdentity.Create();
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-10));
        var node = new FlowerNode(_channel!.CreateCallInvoker(), identity, new PlusOneApp(), "loopback-server", time: clock);

        var e = await Assert.ThrowsAsync<FlowerProtocolException>(() => node.RegisterAsync(CancellationToken.None));

        Assert.StartsWith("Flower server loopback-server: RegisterNode failed with Unauthenticated: the timestamp ", e.Message, StringComparison.Ordinal);
        Assert.Equal("check the node's clock (the signed timestamp must be within 5 s ahead / 305 s behind the server) and that the server accepts this node's key", e.Fix);
        Assert.Equal(ExitCodes.Network, e.ExitCode);
    }

    [Fact]
    public async Task A_key_not_on_the_allow_list_is_refused()
    {
        using NodeIdentity other = NodeIdentity.Create();
        var keys = NodeAllowList.FromPem("test list", [System.Text.Encoding.ASCII.GetString(other.PublicKeyPem)]);
        (WebApplication app, Uri address) = await FlowerServerHost.StartAsync(new FlowerServerSecurity { AuthorizedKeys = keys }, new IPEndPoint(IPAddress.Loopback, 0), new FleetService(), null, CancellationToken.None);
        try
        {
            using GrpcChannel channel = FlowerChannel.Create(address);
            using NodeIdentity identity = NodeIdentity.Create();
            var node = new FlowerNode(channel.CreateCallInvoker(), identity, new PlusOneApp(), address.ToString());

            var e = await Assert.ThrowsAsync<FlowerProtocolException>(() => node.RegisterAsync(CancellationToken.None));

            Assert.Contains($"RegisterNode failed with PermissionDenied: this node's public key ({identity.Fingerprint}) is not on the server's allow-list", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Holds a node's PushObject calls until a task completes, and signals when its PushMessages has been answered.</summary>
    private sealed class GateInterceptor(Task beforePushObject, TaskCompletionSource? afterPushMessages = null) : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
            AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            if (request is Flip.Flower.Wire.PushObjectRequest)
            {
                async Task<TResponse> Held()
                {
                    await beforePushObject.WaitAsync(TimeSpan.FromMinutes(1));
                    return await continuation(request, context).ResponseAsync;
                }

                return new AsyncUnaryCall<TResponse>(Held(), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
            }

            AsyncUnaryCall<TResponse> call = continuation(request, context);
            if (request is Flip.Flower.Wire.PushMessagesRequest && afterPushMessages is not null)
            {
                async Task<TResponse> Signalled()
                {
                    TResponse response = await call.ResponseAsync;
                    afterPushMessages.TrySetResult();
                    return response;
                }

                return new AsyncUnaryCall<TResponse>(Signalled(), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
            }

            return call;
        }
    }
}
