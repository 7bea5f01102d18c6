using System.Net;
using Flip.Federated;
using Flip.Federated.Simulations;
using MetricRecord = Flip.Flower.Records.MetricRecord;
using Flip.Federated.Strategies;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Flip.Flower.Npy;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Tests.Fleet;

/// <summary>
/// Issue #21, findings 2, 5 and 6: an authorized node over real gRPC on loopback tries to make the server allocate more
/// than the model allows or to block the other nodes. Memory is read from the managed heap (server and nodes share this
/// process) and bounded by a multiple of the model's size, never by time.
/// </summary>
[Collection(nameof(ServerMemoryCollection))]
public sealed class HostilePeerBoundsTests(ITestOutputHelper output)
{
    private const ulong RunId = 1;

    [Fact]
    public async Task A_reply_that_repeats_one_chunk_under_aliased_names_is_refused_before_it_is_rebuilt()
    {
        // Given: a FedAvg server (10 MB reply limit) over a 1 MB model, an honest node and a hostile one whose train reply lists
        // one 1 MiB chunk 512 times in one Array and names that Array twice: 2 MiB uploaded, 1 GiB rebuilt by a naive server
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        ParameterSet model = SyntheticUpdateApp.Model(1, 250_000);
        long modelBytes = model.Sum(a => (long)a.Length * 4);
        await using Server server = await Server.StartAsync(new FleetServiceOptions { MaxReplyBytes = 10_000_000, MaxConcurrentReplies = 1 }, timeout.Token);
        using HostileNode hostile = await HostileNode.JoinAsync(server.Channel, server.Address.ToString(), timeout.Token);
        using var honestIdentity = NodeIdentity.Create();
        using var stopNodes = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        Task honest = new FlowerNode(server.Channel.CreateCallInvoker(), honestIdentity, new SyntheticUpdateApp(1, 10), server.Address.ToString(),
            new FlowerNodeOptions { PollInterval = TimeSpan.FromMilliseconds(50) }).RunAsync(stopNodes.Token);
        Task attack = AnswerAsync(hostile, train: instruction => HostileNode.RepeatedChunkReply(instruction, "layer0.weight", 1 << 20, 512, 2), stopNodes.Token);
        var federation = new FleetFederation(server.Fleet, RunId, new FedAvg { MinTrainSites = 1 },
            new FleetFederationOptions { Rounds = 1, MinNodes = 2, RoundDeadline = TimeSpan.FromMinutes(2) });

        // When: one round
        RunResult result;
        long peak;
        using (var memory = new ManagedPeak())
        {
            result = await federation.RunAsync(model, ct: timeout.Token);
            peak = memory.Peak;
        }

        await stopNodes.CancelAsync();
        await Task.WhenAll(honest, attack.ContinueWith(_ => { }, TaskScheduler.Default));
        output.WriteLine($"model {modelBytes:N0} B; managed peak during the round {peak:N0} B above the start; failures: {string.Join("; ", result.Failures.Select(f => f.Reason))}");

        // Then: the hostile reply is refused and recorded, the honest one aggregated, and memory stays within a few models
        SiteFailure refused = Assert.Single(result.Failures);
        Assert.Equal(FleetFederation.SiteOf(hostile.NodeId), refused.Site);
        Assert.Equal(FailureCategory.InvalidReply, refused.Category);
        Assert.Contains(result.Metrics, m => m.Metric == "sites-aggregated" && m.Value == 1);
        Assert.InRange(peak, 0, (16 * modelBytes) + (64L << 20));
    }

    [Fact]
    public async Task A_node_that_announces_a_reply_and_never_uploads_does_not_block_an_honest_node()
    {
        // Given: a server admitting one reply at once; the hostile node announces its train reply and uploads nothing, and only
        // then does the honest node finish training
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        ParameterSet model = SyntheticUpdateApp.Model(1, 250_000);
        await using Server server = await Server.StartAsync(new FleetServiceOptions { MaxConcurrentReplies = 1, UploadIdleTimeout = TimeSpan.FromSeconds(2) }, timeout.Token);
        using HostileNode hostile = await HostileNode.JoinAsync(server.Channel, server.Address.ToString(), timeout.Token);
        var announced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var honestIdentity = NodeIdentity.Create();
        using var stopNodes = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var honestNode = new FlowerNode(server.Channel.CreateCallInvoker(), honestIdentity, new GatedApp(new SyntheticUpdateApp(1, 10), announced.Task), server.Address.ToString(),
            new FlowerNodeOptions { PollInterval = TimeSpan.FromMilliseconds(50) });
        Task honest = honestNode.RunAsync(stopNodes.Token);
        Task attack = AnswerAsync(hostile, train: instruction => ObjectCodec.Deflate(Update(instruction, model, 5f)), stopNodes.Token, withhold: _ => true, afterPush: () => announced.TrySetResult());
        var federation = new FleetFederation(server.Fleet, RunId, new FedAvg { MinTrainSites = 1 },
            new FleetFederationOptions { Rounds = 1, MinNodes = 2, RoundDeadline = TimeSpan.FromSeconds(45) });

        // When: one round
        RunResult result = await federation.RunAsync(model, ct: timeout.Token);
        await stopNodes.CancelAsync();
        await Task.WhenAll(honest, attack.ContinueWith(_ => { }, TaskScheduler.Default));
        output.WriteLine($"failures: {string.Join("; ", result.Failures.Select(f => $"{f.Site} {f.Step} {f.Category}: {f.Reason}"))}");

        // Then: the honest update is aggregated; the idle upload lost its slot and is recorded against the hostile node
        SiteFailure idle = Assert.Single(result.Failures);
        Assert.Contains(result.Metrics, m => m.Metric == "sites-aggregated" && m.Value == 1);
        Assert.Equal(FleetFederation.SiteOf(hostile.NodeId), idle.Site);
        Assert.Contains("idle", idle.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repeated_replies_to_one_instruction_are_refused_and_the_held_bytes_stay_within_one_model()
    {
        // Given: a server holding a train instruction with a 4 MB model for the hostile node
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        ParameterSet model = SyntheticUpdateApp.Model(1, 1_000_000);
        long modelBytes = model.Sum(a => (long)a.Length * 4);
        await using Server server = await Server.StartAsync(new FleetServiceOptions(), timeout.Token);
        using HostileNode hostile = await HostileNode.JoinAsync(server.Channel, server.Address.ToString(), timeout.Token);
        server.Fleet.SendInstruction(hostile.NodeId, RunId, "train", new RecordDict { { RecordKeys.Arrays, model.ToArrayRecord() } });
        W.Metadata instruction = await hostile.PullInstructionAsync(timeout.Token);

        // When: it pushes eight different 4 MB replies to it, uploading all of each but the metrics, so none completes
        var statuses = new List<StatusCode>();
        long held;
        using (var memory = new ManagedPeak())
        {
            for (int i = 0; i < 8; i++)
            {
                try
                {
                    await hostile.ReplyAsync(RunId, ObjectCodec.Deflate(Update(instruction, model, i + 1)), o => o.TypeName == "MetricRecord", timeout.Token);
                    statuses.Add(StatusCode.OK);
                }
                catch (RpcException e)
                {
                    statuses.Add(e.StatusCode);
                }
            }

            held = memory.Held;
        }

        output.WriteLine($"model {modelBytes:N0} B; statuses {string.Join(", ", statuses)}; held after the pushes {held:N0} B");

        // Then: only the first reply is taken; the others are refused, and the server holds about one model for them (plus the
        // transport's pooled buffers, about 12 MB here; eight held replies were 52.6 MB)
        Assert.Equal(StatusCode.OK, statuses[0]);
        Assert.All(statuses.Skip(1), s => Assert.Equal(StatusCode.FailedPrecondition, s));
        Assert.InRange(held, long.MinValue, (3 * modelBytes) + (16L << 20));
    }

    [Fact]
    public async Task The_same_reply_pushed_again_after_a_lost_response_gets_the_same_answer()
    {
        // Given: a node that pushed its reply and uploaded nothing yet
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        ParameterSet model = SyntheticUpdateApp.Model(1, 250_000);
        await using Server server = await Server.StartAsync(new FleetServiceOptions(), timeout.Token);
        using HostileNode node = await HostileNode.JoinAsync(server.Channel, server.Address.ToString(), timeout.Token);
        string instructionId = server.Fleet.SendInstruction(node.NodeId, RunId, "train", new RecordDict { { RecordKeys.Arrays, model.ToArrayRecord() } });
        W.Metadata instruction = await node.PullInstructionAsync(timeout.Token);
        DeflatedMessage reply = ObjectCodec.Deflate(Update(instruction, model, 1f));
        W.PushMessagesResponse first = await node.PushMessagesAsync(reply.Message, reply.Tree, timeout.Token);

        // When: it pushes the same reply again (as a node retrying after a lost response does), then uploads
        W.PushMessagesResponse again = await node.PushMessagesAsync(reply.Message, reply.Tree, timeout.Token);
        foreach (string id in again.ObjectsToPush)
        {
            await node.PushObjectAsync(RunId, reply.Objects[id], timeout.Token);
        }

        // Then: the same objects were asked for, and the reply arrives whole
        Assert.Equal(first.ObjectsToPush.Order(), again.ObjectsToPush.Order());
        FlowerMessage received = await server.Fleet.WaitForReplyAsync(instructionId, timeout.Token);
        Assert.Equal(250_000, ((ArrayRecord)received.Content![RecordKeys.Arrays])["layer0.weight"].ElementCount);
    }

    [Fact]
    public async Task A_reply_that_announces_more_objects_than_the_model_needs_is_refused()
    {
        // Given: a train instruction with a 1 MB model (one array: a reply needs about ten objects)
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        ParameterSet model = SyntheticUpdateApp.Model(1, 250_000);
        await using Server server = await Server.StartAsync(new FleetServiceOptions(), timeout.Token);
        using HostileNode hostile = await HostileNode.JoinAsync(server.Channel, server.Address.ToString(), timeout.Token);
        server.Fleet.SendInstruction(hostile.NodeId, RunId, "train", new RecordDict { { RecordKeys.Arrays, model.ToArrayRecord() } });
        W.Metadata instruction = await hostile.PullInstructionAsync(timeout.Token);
        int stored = server.Fleet.StoredObjectCount;

        // When: its reply's tree announces 100,000 chunks
        DeflatedMessage reply = ObjectCodec.Deflate(Update(instruction, model, 1f));
        W.ObjectTree tree = reply.Tree.Clone();
        W.ObjectTree arrayTree = tree.Children[0].Children.First(c => c.Children.Count > 0).Children[0];
        for (int i = 0; i < 100_000; i++)
        {
            arrayTree.Children.Add(new W.ObjectTree { ObjectId = i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture) });
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() => hostile.PushMessagesAsync(reply.Message, tree, timeout.Token));

        // Then: the server refuses it before asking for any object
        output.WriteLine($"{refused.StatusCode}: {refused.Status.Detail}");
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal(stored, server.Fleet.StoredObjectCount);
    }

    /// <summary>A train reply as an honest node builds it: the model plus an offset, and an example count.</summary>
    private static FlowerMessage Update(W.Metadata instruction, ParameterSet model, float offset)
    {
        var arrays = new ArrayRecord();
        foreach (ParameterArray array in model)
        {
            float[] values = [.. array.AsFloat32().ToArray().Select(v => v + offset)];
            arrays.Add(array.Name, NpyArray.FromValues<float>(values, [.. array.Shape]));
        }

        return new FlowerMessage(HostileNode.ReplyTo(instruction), new RecordDict
        {
            { RecordKeys.Arrays, arrays },
            { RecordKeys.Metrics, new MetricRecord { { RecordKeys.NumExamples, RecordValue.Of(10L) } } },
        });
    }

    /// <summary>The hostile node's loop: answers train instructions with <paramref name="train"/> and evaluate instructions honestly.</summary>
    private static async Task AnswerAsync(HostileNode node, Func<W.Metadata, DeflatedMessage> train, CancellationToken ct, Func<FlowerObject, bool>? withhold = null, Action? afterPush = null)
    {
        while (!ct.IsCancellationRequested)
        {
            W.Metadata instruction = await node.PullInstructionAsync(ct);
            try
            {
                if (instruction.MessageType == "train")
                {
                    DeflatedMessage reply = train(instruction);
                    W.PushMessagesResponse pushed = await node.PushMessagesAsync(reply.Message, reply.Tree, ct);
                    afterPush?.Invoke();
                    foreach (string id in pushed.ObjectsToPush)
                    {
                        if (withhold is null || !withhold(reply.Objects[id]))
                        {
                            await node.PushObjectAsync(instruction.RunId, reply.Objects[id], ct);
                        }
                    }
                }
                else
                {
                    var metrics = new MetricRecord { { "loss", RecordValue.Of(0.0) }, { RecordKeys.NumExamples, RecordValue.Of(1L) } };
                    await node.ReplyAsync(instruction.RunId, ObjectCodec.Deflate(new FlowerMessage(HostileNode.ReplyTo(instruction), new RecordDict { { RecordKeys.Metrics, metrics } })), null, ct);
                }
            }
            catch (RpcException)
            {
                // refused: that is what is under test; keep answering
            }
        }
    }

    /// <summary>An app that trains only after <paramref name="gate"/> completes.</summary>
    private sealed class GatedApp(IFlowerApp inner, Task gate) : IFlowerApp
    {
        public async Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct)
        {
            await gate.WaitAsync(ct);
            return await inner.TrainAsync(instruction, ct);
        }

        public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct) => inner.EvaluateAsync(instruction, ct);

        public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct) => inner.QueryAsync(instruction, ct);
    }

    /// <summary>A Fleet server on loopback with run <see cref="RunId"/> started, and a channel to it.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private Microsoft.AspNetCore.Builder.WebApplication? _app;

        public required FleetService Fleet { get; init; }

        public required Uri Address { get; init; }

        public required GrpcChannel Channel { get; init; }

        public static async Task<Server> StartAsync(FleetServiceOptions options, CancellationToken ct)
        {
            var fleet = new FleetService(options);
            fleet.StartRun(RunId);
            var (app, address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, fleet, null, ct);
            return new Server { _app = app, Fleet = fleet, Address = address, Channel = FlowerChannel.Create(address) };
        }

        public async ValueTask DisposeAsync()
        {
            Channel.Dispose();
            await _app!.DisposeAsync();
        }
    }
}
