using System.Collections.Immutable;
using System.Text;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Tests.Fleet;

/// <summary>
/// An authorized node that speaks the Fleet API by hand over real gRPC, so it can send what an honest node never would:
/// repeated chunks, aliased arrays, replies it never uploads, several replies to one instruction.
/// </summary>
internal sealed class HostileNode : IDisposable
{
    private readonly W.Fleet.FleetClient _client;
    private readonly NodeIdentity _identity;

    private HostileNode(GrpcChannel channel, NodeIdentity identity, ulong nodeId)
    {
        _client = new W.Fleet.FleetClient(channel);
        _identity = identity;
        NodeId = nodeId;
    }

    public ulong NodeId { get; }

    /// <summary>Registers and activates a fresh key (as any authorized node does).</summary>
    public static async Task<HostileNode> JoinAsync(GrpcChannel channel, string address, CancellationToken ct)
    {
        var identity = NodeIdentity.Create();
        ulong id = await new FlowerNode(channel.CreateCallInvoker(), identity, new SyntheticUpdateApp(0, 1), address).RegisterAsync(ct);
        return new HostileNode(channel, identity, id);
    }

    public Metadata Signed() => AuthMetadata.Create(_identity, DateTimeOffset.UtcNow);

    /// <summary>Polls until the server has an instruction for this node.</summary>
    public async Task<W.Metadata> PullInstructionAsync(CancellationToken ct)
    {
        while (true)
        {
            W.PullMessagesResponse pulled = await _client.PullMessagesAsync(new W.PullMessagesRequest { Node = new W.Node { NodeId = NodeId } }, Signed(), cancellationToken: ct);
            if (pulled.MessagesList.Count > 0)
            {
                W.Metadata meta = pulled.MessagesList[0].Metadata;
                await _client.ConfirmMessageReceivedAsync(new W.ConfirmMessageReceivedRequest { Node = new W.Node { NodeId = NodeId }, RunId = meta.RunId, MessageObjectId = meta.MessageId },
                    Signed(), cancellationToken: ct);
                return meta;
            }

            await Task.Delay(50, ct);
        }
    }

    /// <summary>Reply metadata as Flower builds it (message id left empty: it is the root object's id).</summary>
    public static W.Metadata ReplyTo(W.Metadata instruction)
    {
        double now = FlowerNode.UnixSeconds(DateTimeOffset.UtcNow);
        return new W.Metadata
        {
            RunId = instruction.RunId,
            SrcNodeId = instruction.DstNodeId,
            DstNodeId = instruction.SrcNodeId,
            ReplyToMessageId = instruction.MessageId,
            GroupId = instruction.GroupId,
            CreatedAt = now,
            Ttl = instruction.CreatedAt + instruction.Ttl - now,
            MessageType = instruction.MessageType,
        };
    }

    public async Task<W.PushMessagesResponse> PushMessagesAsync(W.Message message, W.ObjectTree tree, CancellationToken ct)
    {
        var push = new W.PushMessagesRequest { Node = new W.Node { NodeId = NodeId } };
        push.MessagesList.Add(message);
        push.MessageObjectTrees.Add(tree);
        push.ClientappRuntimeList.Add(0.1);
        return await _client.PushMessagesAsync(push, Signed(), cancellationToken: ct);
    }

    public async Task PushObjectAsync(ulong runId, FlowerObject obj, CancellationToken ct) =>
        await _client.PushObjectAsync(new W.PushObjectRequest
        {
            Node = new W.Node { NodeId = NodeId },
            RunId = runId,
            ObjectId = obj.Id,
            ObjectContent = UnsafeByteOperations.UnsafeWrap(obj.Content),
        }, Signed(), cancellationToken: ct);

    /// <summary>Pushes a deflated reply and uploads what the server asks for except <paramref name="withhold"/>.</summary>
    public async Task<W.PushMessagesResponse> ReplyAsync(ulong runId, DeflatedMessage reply, Func<FlowerObject, bool>? withhold, CancellationToken ct)
    {
        W.PushMessagesResponse pushed = await PushMessagesAsync(reply.Message, reply.Tree, ct);
        foreach (string id in pushed.ObjectsToPush)
        {
            FlowerObject obj = reply.Objects[id];
            if (withhold is null || !withhold(obj))
            {
                await PushObjectAsync(runId, obj, ct);
            }
        }

        return pushed;
    }

    public void Dispose() => _identity.Dispose();

    /// <summary>
    /// A reply whose one chunk of <paramref name="chunkBytes"/> is listed <paramref name="repeats"/> times by one Array, and that Array named
    /// <paramref name="names"/> times in the ArrayRecord: a few MB uploaded, <c>chunkBytes × repeats × names</c> rebuilt by a naive server.
    /// </summary>
    public static DeflatedMessage RepeatedChunkReply(W.Metadata instruction, string firstName, int chunkBytes, int repeats, int names)
    {
        long total = (long)chunkBytes * repeats;
        byte[] header = NpyHeader("<f4", (total - 128) / 4);
        byte[] first = new byte[chunkBytes];
        header.CopyTo(first, 0);
        FlowerObject headChunk = FlowerObject.Create("ArrayChunk", [], first);
        FlowerObject zeroChunk = FlowerObject.Create("ArrayChunk", [], new byte[chunkBytes]);
        FlowerObject array = FlowerObject.Create("Array", [headChunk.Id, zeroChunk.Id],
            PythonJson.ArrayBody("float32", [(int)((total - 128) / 4)], RecordKeys.NumpyStype, [0, .. Enumerable.Repeat(1, repeats - 1)]));
        FlowerObject record = FlowerObject.Create("ArrayRecord", [array.Id],
            PythonJson.StringMap(Enumerable.Range(0, names).Select(i => KeyValuePair.Create(i == 0 ? firstName : $"copy{i}", array.Id))));
        FlowerObject metrics = FlowerObject.Create("MetricRecord", [], RecordSerde.ToProto(new MetricRecord { { RecordKeys.NumExamples, RecordValue.Of(10L) } }).ToByteArray());
        FlowerObject dict = FlowerObject.Create("RecordDict", [record.Id, metrics.Id],
            PythonJson.StringMap([KeyValuePair.Create(RecordKeys.Arrays, record.Id), KeyValuePair.Create(RecordKeys.Metrics, metrics.Id)]));
        W.Metadata meta = ReplyTo(instruction);
        FlowerObject message = FlowerObject.Create("Message", [dict.Id], new W.Message { Metadata = meta }.ToByteArray());
        meta.MessageId = message.Id;
        var arrayTree = new W.ObjectTree { ObjectId = array.Id, Children = { new W.ObjectTree { ObjectId = headChunk.Id }, new W.ObjectTree { ObjectId = zeroChunk.Id } } };
        var tree = new W.ObjectTree
        {
            ObjectId = message.Id,
            Children =
            {
                new W.ObjectTree
                {
                    ObjectId = dict.Id,
                    Children = { new W.ObjectTree { ObjectId = record.Id, Children = { arrayTree } }, new W.ObjectTree { ObjectId = metrics.Id } },
                },
            },
        };
        FlowerObject[] all = [headChunk, zeroChunk, array, record, metrics, dict, message];
        return new DeflatedMessage(new W.Message { Metadata = meta, Content = new W.RecordDict() }, tree, all.ToDictionary(o => o.Id).ToImmutableDictionary(), [.. all.Select(o => o.Id)]);
    }

    /// <summary>A version 1.0 NPY header of exactly 128 bytes for a 1-D array.</summary>
    public static byte[] NpyHeader(string descr, long elements)
    {
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({elements},), }}";
        dict = dict.PadRight(128 - 10 - 1) + "\n";
        byte[] header = new byte[128];
        NpyCodecMagic.CopyTo(header, 0);
        header[6] = 1;
        header[8] = (byte)(dict.Length & 0xFF);
        header[9] = (byte)(dict.Length >> 8);
        Encoding.ASCII.GetBytes(dict, header.AsSpan(10));
        return header;
    }

    private static readonly byte[] NpyCodecMagic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
}
