using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Flip.Flower.Wire;
using Google.Protobuf;
using Metadata = Flip.Flower.Wire.Metadata;
using RecordDict = Flip.Flower.Records.RecordDict;

namespace Flip.Flower.Tests.Fleet;

/// <summary>
/// Our node, fed the responses the real SuperLink 1.27.0 gave one of its two SuperNodes, must send
/// the requests that SuperNode sent (flower-vectors/captured).
/// </summary>
public sealed class CapturedSessionReplayTests
{
    /// <summary>The calls of the SuperNode that registered first, and its node id.</summary>
    private static (List<CapturedCall> Calls, ulong NodeId) FirstNode()
    {
        IReadOnlyList<CapturedCall> all = CapturedCall.LoadAll();
        CapturedCall register = all.First(c => c.Method == "RegisterNode");
        ByteString key = RegisterNodeFleetRequest.Parser.ParseFrom(register.Request).PublicKey;
        ulong nodeId = RegisterNodeFleetResponse.Parser.ParseFrom(register.Response).NodeId;
        var mine = all.Where(c => c.Owner() is var (k, id) && (k is not null ? k.Equals(key) : id == nodeId)).ToList();
        return (mine, nodeId);
    }

    /// <summary>Plays the ClientApp: replies with exactly the content the Python ClientApp replied with, at the same instant.</summary>
    private sealed class CapturedApp(List<CapturedCall> calls, ManualTimeProvider clock) : IFlowerApp
    {
        public List<string> Seen { get; } = [];

        public Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct) => Reply(instruction);

        public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct) => Reply(instruction);

        public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct) => Reply(instruction);

        private Task<RecordDict> Reply(FlowerInstruction instruction)
        {
            Seen.Add($"{instruction.Action} round {instruction.ServerRound}");
            PushMessagesRequest push = calls.Where(c => c.Method == "PushMessages")
                .Select(c => PushMessagesRequest.Parser.ParseFrom(c.Request))
                .Single(p => p.MessagesList[0].Metadata.ReplyToMessageId == instruction.MessageId);
            Metadata reply = push.MessagesList[0].Metadata;

            // Every object this node saw or sent, to rebuild the Python reply's content.
            var objects = new Dictionary<string, FlowerObject>(StringComparer.Ordinal);
            foreach (CapturedCall c in calls)
            {
                if (c.Method == "PushObject")
                {
                    PushObjectRequest r = PushObjectRequest.Parser.ParseFrom(c.Request);
                    objects[r.ObjectId] = FlowerObject.Parse(r.ObjectContent.Memory, r.ObjectId);
                }
                else if (c.Method == "PullObject")
                {
                    PullObjectRequest r = PullObjectRequest.Parser.ParseFrom(c.Request);
                    objects[r.ObjectId] = FlowerObject.Parse(PullObjectResponse.Parser.ParseFrom(c.Response).ObjectContent.Memory, r.ObjectId);
                }
            }

            FlowerMessage python = ObjectCodec.Inflate(reply.MessageId, objects);
            clock.Now = DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(reply.CreatedAt * 1e6) * 10);
            return Task.FromResult(python.Content!);
        }
    }

    [Fact]
    public async Task Our_node_sends_the_requests_the_real_supernode_sent()
    {
        // Given the captured session of one SuperNode
        (List<CapturedCall> calls, ulong nodeId) = FirstNode();
        ulong runId = calls.Where(c => c.Method == "PullObject").Select(c => PullObjectRequest.Parser.ParseFrom(c.Request).RunId).First();
        var invoker = new ReplayCallInvoker(calls, runId);
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var app = new CapturedApp(calls, clock);
        using NodeIdentity identity = NodeIdentity.Create();
        var node = new FlowerNode(invoker, identity, app, "captured-superlink", time: clock);
        int pulls = calls.Count(c => c.Method == "PullMessages");

        // When our node registers, beats once, polls as often as the SuperNode did, and stops
        Assert.Equal(nodeId, await node.RegisterAsync(CancellationToken.None));
        Assert.True(await node.SendHeartbeatAsync(CancellationToken.None));
        var results = new List<PollResult>();
        for (int i = 0; i < pulls; i++)
        {
            results.Add(await node.PollOnceAsync(CancellationToken.None));
        }

        await node.DeactivateAsync(CancellationToken.None);

        // Then every captured call of that node was matched, in the same order per method
        Assert.All(calls.Where(c => c.Method != "SendNodeHeartbeat"), c => Assert.True(c.Used, $"captured call {c.Number} {c.Method} was not made"));
        Assert.Equal(["train round 1", "evaluate round 1"], app.Seen);
        Assert.Equal(2, results.Count(r => r == PollResult.Replied));
        foreach (string method in new[] { "PullMessages", "PullObject", "ConfirmMessageReceived", "PushMessages", "PushObject", "DeactivateNode", "UnregisterNode" })
        {
            Assert.Equal(calls.Count(c => c.Method == method), invoker.Log.Count(l => l.Method == method));
        }

        Assert.Contains(invoker.Log, l => l.Method == "PushObject");

        // and each request equals the captured one, except the key (ours is fresh) and the measured runtime
        // The SuperNode's calls carried user-agent (added by the gRPC transport) and the three auth entries.
        using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Vectors.Path_("manifest.json")));
        string[] capturedKeys = [.. manifest.RootElement.GetProperty("captured")[0].GetProperty("metadata_keys").EnumerateArray().Select(k => k.GetString()!).Where(k => k != "user-agent")];
        foreach ((string method, byte[] ours, CapturedCall? captured, Grpc.Core.Metadata headers) in invoker.Log)
        {
            Assert.Equal(capturedKeys, headers.Select(h => h.Key));
            Assert.True(ReplayCallInvoker.HeadersVerify(headers), $"{method}: auth metadata does not verify");
            if (captured is null)
            {
                Assert.Equal("GetRun", method);
                continue;
            }

            byte[] expected = captured.Request;
            byte[] actual = ours;
            switch (method)
            {
                case "RegisterNode":
                    Assert.Equal(identity.PublicKeyPem, RegisterNodeFleetRequest.Parser.ParseFrom(ours).PublicKey.ToByteArray());
                    actual = new RegisterNodeFleetRequest { PublicKey = RegisterNodeFleetRequest.Parser.ParseFrom(expected).PublicKey }.ToByteArray();
                    break;
                case "ActivateNode":
                    ActivateNodeRequest a = ActivateNodeRequest.Parser.ParseFrom(ours);
                    a.PublicKey = ActivateNodeRequest.Parser.ParseFrom(expected).PublicKey;
                    actual = a.ToByteArray();
                    break;
                case "PushMessages":
                    PushMessagesRequest p = PushMessagesRequest.Parser.ParseFrom(ours);
                    PushMessagesRequest q = PushMessagesRequest.Parser.ParseFrom(expected);
                    Assert.Single(p.ClientappRuntimeList);
                    p.ClientappRuntimeList.Clear();
                    p.ClientappRuntimeList.Add(q.ClientappRuntimeList);
                    actual = p.ToByteArray();
                    break;
            }

            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{method} (captured call {captured.Number}) differs from the real SuperNode's request");
        }
    }

    [Fact]
    public void Captured_replies_have_the_ttl_our_node_computes()
    {
        (List<CapturedCall> calls, _) = FirstNode();
        var instructions = calls.Where(c => c.Method == "PullMessages")
            .SelectMany(c => PullMessagesResponse.Parser.ParseFrom(c.Response).MessagesList)
            .ToDictionary(m => m.Metadata.MessageId, m => m.Metadata);
        var replies = calls.Where(c => c.Method == "PushMessages").Select(c => PushMessagesRequest.Parser.ParseFrom(c.Request).MessagesList[0].Metadata).ToList();

        Assert.Equal(2, replies.Count);
        foreach (Metadata reply in replies)
        {
            Metadata ins = instructions[reply.ReplyToMessageId];
            Assert.Equal(ins.CreatedAt + ins.Ttl - reply.CreatedAt, reply.Ttl);
            Assert.Equal(ins.DstNodeId, reply.SrcNodeId);
            Assert.Equal(1UL, reply.DstNodeId);
        }
    }

    [Fact]
    public void Every_captured_object_hashes_to_its_id_and_every_pushed_tree_is_covered()
    {
        IReadOnlyList<CapturedCall> all = CapturedCall.LoadAll();
        var pushedIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (CapturedCall c in all)
        {
            if (c.Method == "PullObject")
            {
                PullObjectRequest r = PullObjectRequest.Parser.ParseFrom(c.Request);
                PullObjectResponse res = PullObjectResponse.Parser.ParseFrom(c.Response);
                Assert.True(res.ObjectFound && res.ObjectAvailable);
                Assert.Equal(r.ObjectId, FlowerObject.Parse(res.ObjectContent.Memory, r.ObjectId).Id);
            }
            else if (c.Method == "PushObject")
            {
                PushObjectRequest r = PushObjectRequest.Parser.ParseFrom(c.Request);
                Assert.Equal(r.ObjectId, FlowerObject.ComputeId(r.ObjectContent.Span));
                Assert.True(PushObjectResponse.Parser.ParseFrom(c.Response).Stored);
                pushedIds.Add(r.ObjectId);
            }
        }

        foreach (CapturedCall c in all.Where(c => c.Method == "PushMessages"))
        {
            PushMessagesResponse res = PushMessagesResponse.Parser.ParseFrom(c.Response);
            PushMessagesRequest req = PushMessagesRequest.Parser.ParseFrom(c.Request);
            Assert.Subset(ObjectCodec.PostOrderIds(req.MessageObjectTrees[0]).ToHashSet(), res.ObjectsToPush.ToHashSet());
            Assert.Subset(pushedIds, res.ObjectsToPush.ToHashSet());
            Assert.Equal(5UL, res.Reconnect.Reconnect_);
        }
    }
}
