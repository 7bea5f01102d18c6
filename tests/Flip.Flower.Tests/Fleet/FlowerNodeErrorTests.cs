using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Flip.Flower.Wire;
using Google.Protobuf;
using RecordDict = Flip.Flower.Records.RecordDict;

namespace Flip.Flower.Tests.Fleet;

/// <summary>How the node reports a server that breaks the object protocol.</summary>
public sealed class FlowerNodeErrorTests
{
    private const ulong NodeId = 5555666677778888999UL;

    // The node signs every call, so the key lives as long as the test class.
    private static readonly NodeIdentity Identity = NodeIdentity.Create();

    private sealed class NeverCalledApp : IFlowerApp
    {
        public Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct) => throw new InvalidOperationException("not reached");

        public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct) => throw new InvalidOperationException("not reached");

        public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct) => throw new InvalidOperationException("not reached");
    }

    /// <summary>A server that hands out the train_ins vector and answers PullObject with <paramref name="pull"/>.</summary>
    private static async Task<FlowerNode> NodeAsync(Func<PullObjectRequest, PullObjectResponse> pull)
    {
        var invoker = new ScriptedInvoker((method, request) => method switch
        {
            "RegisterNode" => new RegisterNodeFleetResponse { NodeId = NodeId },
            "ActivateNode" => new ActivateNodeResponse { NodeId = NodeId },
            "GetRun" => new GetRunResponse { Run = new Run { RunId = 1234567890123456789UL } },
            "PullMessages" => PullMessagesResponse.Parser.ParseFrom(Vectors.Read("fleet/train_ins/pull_messages_response.bin")),
            "PullObject" => pull((PullObjectRequest)request),
            _ => throw new InvalidOperationException(method),
        });
        var node = new FlowerNode(invoker, Identity, new NeverCalledApp(), "scripted", new FlowerNodeOptions { ObjectRetries = 2, ObjectRetryDelay = TimeSpan.Zero });
        await node.RegisterAsync(CancellationToken.None);
        return node;
    }

    private static PullObjectResponse Stored(string id) => new()
    {
        ObjectFound = true,
        ObjectAvailable = true,
        ObjectContent = ByteString.CopyFrom(Vectors.Read($"fleet/train_ins/objects/{id}.bin")),
    };

    [Fact]
    public async Task An_object_the_server_does_not_have_is_named()
    {
        FlowerNode node = await NodeAsync(r => r.ObjectId.StartsWith("852c3f18", StringComparison.Ordinal) ? new PullObjectResponse { ObjectFound = false } : Stored(r.ObjectId));

        var e = await Assert.ThrowsAsync<FlowerProtocolException>(() => node.PollOnceAsync(CancellationToken.None));

        Assert.Equal("PullObject: the server has no object 852c3f18ae342f19… of message 4cf675490f914a13… (object_found=false); expected every id of the message's object tree to be stored.", e.Message);
    }

    [Fact]
    public async Task An_object_whose_bytes_do_not_hash_to_its_id_is_refused()
    {
        FlowerNode node = await NodeAsync(r =>
        {
            PullObjectResponse ok = Stored(r.ObjectId);
            if (r.ObjectId.StartsWith("0bd55c55", StringComparison.Ordinal))
            {
                byte[] bytes = ok.ObjectContent.ToByteArray();
                bytes[^1] ^= 0xFF;
                ok.ObjectContent = ByteString.CopyFrom(bytes);
            }

            return ok;
        });

        var e = await Assert.ThrowsAsync<FlowerProtocolException>(() => node.PollOnceAsync(CancellationToken.None));

        Assert.StartsWith("Flower object 0bd55c552a4d962c…: its bytes hash to ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_object_that_stays_unavailable_is_given_up_after_the_retries()
    {
        int asked = 0;
        FlowerNode node = await NodeAsync(r =>
        {
            if (r.ObjectId.StartsWith("ad75511d", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref asked);
                return new PullObjectResponse { ObjectFound = true, ObjectAvailable = false };
            }

            return Stored(r.ObjectId);
        });

        var e = await Assert.ThrowsAsync<FlowerProtocolException>(() => node.PollOnceAsync(CancellationToken.None));

        Assert.Equal("Flower message 'train', object_available: object ad75511d7c35229d stayed unavailable after 3 attempts.", e.Message);
        Assert.Equal(3, asked);
    }

    private sealed class EmptyReplyApp : IFlowerApp
    {
        public Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct) => Task.FromResult(new RecordDict());

        public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct) => Task.FromResult(new RecordDict());

        public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct) => Task.FromResult(new RecordDict());
    }

    [Fact]
    public async Task An_instruction_that_expired_while_the_app_ran_gets_no_reply()
    {
        // Given the train_ins vector (created 2026-01-01T00:00Z, ttl 12 h) and a node clock a day later
        var calls = new List<string>();
        var invoker = new ScriptedInvoker((method, request) =>
        {
            lock (calls)
            {
                calls.Add(method);
            }

            return method switch
            {
                "RegisterNode" => new RegisterNodeFleetResponse { NodeId = NodeId },
                "ActivateNode" => new ActivateNodeResponse { NodeId = NodeId },
                "GetRun" => new GetRunResponse { Run = new Run { RunId = 1234567890123456789UL } },
                "PullMessages" => PullMessagesResponse.Parser.ParseFrom(Vectors.Read("fleet/train_ins/pull_messages_response.bin")),
                "PullObject" => Stored(((PullObjectRequest)request).ObjectId),
                "ConfirmMessageReceived" => new ConfirmMessageReceivedResponse(),
                _ => throw new InvalidOperationException(method),
            };
        });
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero));
        var node = new FlowerNode(invoker, Identity, new EmptyReplyApp(), "scripted", time: clock);
        await node.RegisterAsync(CancellationToken.None);

        // When it polls
        PollResult result = await node.PollOnceAsync(CancellationToken.None);

        // Then it confirms the download but pushes nothing (the SuperLink would drop the reply)
        Assert.Equal(PollResult.Expired, result);
        Assert.Contains("ConfirmMessageReceived", calls);
        Assert.DoesNotContain("PushMessages", calls);
    }
}
