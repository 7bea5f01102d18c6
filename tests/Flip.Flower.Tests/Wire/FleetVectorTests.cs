using Flip.Flower.Wire;
using Google.Protobuf;
using WireArray = Flip.Flower.Wire.Array;
using WireMessage = Flip.Flower.Wire.Message;

namespace Flip.Flower.Tests.Wire;

/// <summary>The Fleet API messages serialised by real Flower 1.27.0 (flower-vectors/fleet).</summary>
public sealed class FleetVectorTests
{
    internal const ulong RunId = 1234567890123456789UL;
    internal const ulong NodeId = 5555666677778888999UL;
    internal const string TrainInsId = "4cf675490f914a13d9928a7c5155448e57ed7b00668b131cc70fa23b3a3e0af6";
    internal const string TrainResId = "d2e5c52ba53d6fb2d13142de5997bb1a13b80d0a489f13d28b92577d76c7fe76";
    internal const string EvaluateInsId = "ff2a50fef778fd1616f89f14b6cacda313a9dacfdeb45a7ed7415bad6932262a";
    internal const string EvaluateResId = "33f412915338f218cd131ec0e8743a1b1953ec773fdd0874231fb84ec75f56f1";
    internal const string ErrorResId = "9bb7a830f2e01eccb8b5d7d2394478ff4390cf323e0216b86d41ab1fc06afd2c";
    internal const string QueryId = "01c1ffcffadf94ed01f1e7a06422700c0ec2bd2de8e854903b065dce10d84dcf";

    private static T Parse<T>(MessageParser<T> parser, string file)
        where T : IMessage<T>
    {
        byte[] bytes = Vectors.Read("fleet/" + file);
        T message = parser.ParseFrom(bytes);
        Assert.Equal(bytes, message.ToByteArray());
        return message;
    }

    private static void AssertInstructionMetadata(Metadata m, string id, string type)
    {
        Assert.Equal(RunId, m.RunId);
        Assert.Equal(id, m.MessageId);
        Assert.Equal(1UL, m.SrcNodeId);
        Assert.Equal(NodeId, m.DstNodeId);
        Assert.Equal(string.Empty, m.ReplyToMessageId);
        Assert.Equal(string.Empty, m.GroupId);
        Assert.Equal(43200.0, m.Ttl);
        Assert.Equal(type, m.MessageType);
        Assert.Equal(1767225600.0, m.CreatedAt);
    }

    private static void AssertReplyMetadata(Metadata m, string id, string replyTo, string type)
    {
        Assert.Equal(RunId, m.RunId);
        Assert.Equal(id, m.MessageId);
        Assert.Equal(NodeId, m.SrcNodeId);
        Assert.Equal(1UL, m.DstNodeId);
        Assert.Equal(replyTo, m.ReplyToMessageId);
        Assert.Equal(string.Empty, m.GroupId);
        Assert.Equal(43187.5, m.Ttl);
        Assert.Equal(type, m.MessageType);
        Assert.Equal(1767225612.5, m.CreatedAt);
    }

    private static void AssertArray(WireArray a, int[] shape, string npyFile)
    {
        Assert.Equal("float32", a.Dtype);
        Assert.Equal(shape, a.Shape);
        Assert.Equal("numpy.ndarray", a.Stype);
        Assert.Equal(Vectors.Read("npy/" + npyFile), a.Data.ToByteArray());
    }

    private static RecordDict.Types.Item Item(WireMessage m, int index, string key)
    {
        RecordDict.Types.Item item = m.Content.Items[index];
        Assert.Equal(key, item.Key);
        return item;
    }

    [Fact]
    public void Train_ins_inline_content_holds_arrays_and_config()
    {
        WireMessage m = Parse(WireMessage.Parser, "train_ins/message_with_inline_content.bin");

        AssertInstructionMetadata(m.Metadata, TrainInsId, "train");
        Assert.Null(m.Error);
        Assert.Equal(2, m.Content.Items.Count);
        ArrayRecord arrays = Item(m, 0, "arrays").ArrayRecord;
        Assert.Equal(["0", "1"], arrays.Items.Select(i => i.Key));
        AssertArray(arrays.Items[0].Value, [2, 2], "a_2x2_float32.npy");
        AssertArray(arrays.Items[1].Value, [1], "b_1_float32.npy");
        ConfigRecord config = Item(m, 1, "config").ConfigRecord;
        Assert.Equal(["lr", "local-epochs", "name", "server-round"], config.Items.Select(i => i.Key));
        Assert.Equal(0.01, config.Items[0].Value.Double);
        Assert.Equal(2, config.Items[1].Value.Sint64);
        Assert.Equal("site-a", config.Items[2].Value.String);
        Assert.Equal(ConfigRecordValue.ValueOneofCase.Sint64, config.Items[3].Value.ValueCase);
        Assert.Equal(1, config.Items[3].Value.Sint64);
    }

    [Fact]
    public void Train_ins_without_content_has_an_empty_record_dict()
    {
        byte[] bytes = Vectors.Read("fleet/train_ins/message_without_content.bin");
        WireMessage m = Parse(WireMessage.Parser, "train_ins/message_without_content.bin");

        AssertInstructionMetadata(m.Metadata, TrainInsId, "train");
        Assert.NotNull(m.Content);
        Assert.Empty(m.Content.Items);
        Assert.Equal([0x12, 0x00], bytes[^2..]);
    }

    [Fact]
    public void Train_ins_object_tree_lists_message_record_dict_records_arrays_and_chunks()
    {
        ObjectTree t = Parse(ObjectTree.Parser, "train_ins/object_tree.bin");

        Assert.Equal(TrainInsId, t.ObjectId);
        ObjectTree recordDict = Assert.Single(t.Children);
        Assert.StartsWith("1c9a64a8add43e98", recordDict.ObjectId, StringComparison.Ordinal);
        Assert.Equal(2, recordDict.Children.Count);
        ObjectTree arrayRecord = recordDict.Children[0];
        Assert.StartsWith("62a02a59e8a5170c", arrayRecord.ObjectId, StringComparison.Ordinal);
        Assert.StartsWith("ad75511d7c35229d", recordDict.Children[1].ObjectId, StringComparison.Ordinal);
        Assert.Empty(recordDict.Children[1].Children);
        Assert.Equal(["9a6df3451aa0b992", "d7860958e2c0d03a"], arrayRecord.Children.Select(c => c.ObjectId[..16]));
        Assert.StartsWith("0bd55c552a4d962c", Assert.Single(arrayRecord.Children[0].Children).ObjectId, StringComparison.Ordinal);
        Assert.StartsWith("852c3f18ae342f19", Assert.Single(arrayRecord.Children[1].Children).ObjectId, StringComparison.Ordinal);
    }

    [Fact]
    public void Pull_messages_response_carries_the_message_and_its_tree()
    {
        PullMessagesResponse r = Parse(PullMessagesResponse.Parser, "train_ins/pull_messages_response.bin");

        Assert.Equal(668, r.CalculateSize());
        Assert.Null(r.Reconnect);
        WireMessage m = Assert.Single(r.MessagesList);
        Assert.Equal(WireMessage.Parser.ParseFrom(Vectors.Read("fleet/train_ins/message_without_content.bin")), m);
        Assert.Equal(ObjectTree.Parser.ParseFrom(Vectors.Read("fleet/train_ins/object_tree.bin")), Assert.Single(r.MessageObjectTrees));
    }

    [Fact]
    public void Train_res_inline_content_holds_arrays_and_metrics()
    {
        WireMessage m = Parse(WireMessage.Parser, "train_res/message_with_inline_content.bin");

        AssertReplyMetadata(m.Metadata, TrainResId, TrainInsId, "train");
        ArrayRecord arrays = Item(m, 0, "arrays").ArrayRecord;
        AssertArray(arrays.Items[0].Value, [2, 2], "a2_2x2_float32.npy");
        AssertArray(arrays.Items[1].Value, [1], "b2_1_float32.npy");
        MetricRecord metrics = Item(m, 1, "metrics").MetricRecord;
        Assert.Equal(["train_loss", "num-examples"], metrics.Items.Select(i => i.Key));
        Assert.Equal(0.25, metrics.Items[0].Value.Double);
        Assert.Equal(MetricRecordValue.ValueOneofCase.Sint64, metrics.Items[1].Value.ValueCase);
        Assert.Equal(42, metrics.Items[1].Value.Sint64);
    }

    [Fact]
    public void Push_messages_request_carries_node_reply_tree_and_runtime()
    {
        PushMessagesRequest r = Parse(PushMessagesRequest.Parser, "train_res/push_messages_request.bin");

        Assert.Equal(758, r.CalculateSize());
        Assert.Equal(NodeId, r.Node.NodeId);
        WireMessage m = Assert.Single(r.MessagesList);
        AssertReplyMetadata(m.Metadata, TrainResId, TrainInsId, "train");
        Assert.Empty(m.Content.Items);
        Assert.Equal(TrainResId, Assert.Single(r.MessageObjectTrees).ObjectId);
        Assert.Equal([1.5], r.ClientappRuntimeList);
    }

    [Fact]
    public void Push_messages_response_lists_every_object_to_push_and_a_zero_result()
    {
        byte[] bytes = Vectors.Read("fleet/train_res/push_messages_response.bin");
        PushMessagesResponse r = PushMessagesResponse.Parser.ParseFrom(bytes);

        Assert.Equal(602, bytes.Length);
        Assert.Equal(5UL, r.Reconnect.Reconnect_);
        Assert.Equal(0U, Assert.Single(r.Results, kv => kv.Key == TrainResId).Value);
        Assert.Equal(8, r.ObjectsToPush.Count);
        Assert.Equal("c498503c192fae1bfba0f45dfcd47296c4bf5d9d81f7cebf602b3ae195773c6a", r.ObjectsToPush[0]);
        Assert.Equal(TrainResId, r.ObjectsToPush[^1]);

        // Python wrote the map value 0 explicitly (entry bytes "10 00"); Google.Protobuf omits a
        // default map value. Both encodings decode to the same message; the rest is identical.
        byte[] ours = r.ToByteArray();
        int entry = bytes.AsSpan().IndexOf(new byte[] { 0x12, 0x44, 0x0A, 0x40 });
        byte[] pythonWithoutExplicitZero = [.. bytes[..entry], 0x12, 0x42, .. bytes[(entry + 2)..(entry + 2 + 66)], .. bytes[(entry + 2 + 68)..]];
        Assert.Equal(pythonWithoutExplicitZero, ours);
        Assert.Equal(r, PushMessagesResponse.Parser.ParseFrom(ours));
    }

    [Fact]
    public void Evaluate_ins_and_res_hold_their_records()
    {
        WireMessage ins = Parse(WireMessage.Parser, "evaluate_ins/message_with_inline_content.bin");
        WireMessage res = Parse(WireMessage.Parser, "evaluate_res/message_with_inline_content.bin");

        AssertInstructionMetadata(ins.Metadata, EvaluateInsId, "evaluate");
        Assert.Equal(2, Item(ins, 0, "arrays").ArrayRecord.Items.Count);
        ConfigRecord.Types.Item round = Assert.Single(Item(ins, 1, "config").ConfigRecord.Items);
        Assert.Equal("server-round", round.Key);
        Assert.Equal(1, round.Value.Sint64);

        AssertReplyMetadata(res.Metadata, EvaluateResId, EvaluateInsId, "evaluate");
        MetricRecord metrics = Assert.Single(res.Content.Items).MetricRecord;
        Assert.Equal("metrics", res.Content.Items[0].Key);
        Assert.Equal(["eval_loss", "accuracy", "num-examples"], metrics.Items.Select(i => i.Key));
        Assert.Equal(0.125, metrics.Items[0].Value.Double);
        Assert.Equal(0.875, metrics.Items[1].Value.Double);
        Assert.Equal(42, metrics.Items[2].Value.Sint64);
    }

    [Fact]
    public void Error_reply_has_error_and_no_content()
    {
        byte[] inline = Vectors.Read("fleet/train_error_res/message_with_inline_content.bin");
        WireMessage m = Parse(WireMessage.Parser, "train_error_res/message_without_content.bin");

        Assert.Equal(inline, m.ToByteArray());
        AssertReplyMetadata(m.Metadata, ErrorResId, TrainInsId, "train");
        Assert.Null(m.Content);
        Assert.Equal(2, m.Error.Code);
        Assert.Equal("<class 'ZeroDivisionError'>:<'division by zero'>", m.Error.Reason);
    }

    [Fact]
    public void Query_keeps_names_lists_and_big_unsigned_ints()
    {
        WireMessage m = Parse(WireMessage.Parser, "query_named_records/message_with_inline_content.bin");

        AssertInstructionMetadata(m.Metadata, QueryId, "query");
        ArrayRecord model = Item(m, 0, "model").ArrayRecord;
        Assert.Equal(["fc.weight", "fc.bias"], model.Items.Select(i => i.Key));
        AssertArray(model.Items[0].Value, [2, 2], "a_2x2_float32.npy");
        ConfigRecord cfg = Item(m, 1, "cfg").ConfigRecord;
        Assert.Equal(["flags", "ids", "names", "raw", "big"], cfg.Items.Select(i => i.Key));
        Assert.Equal([true, false], cfg.Items[0].Value.BoolList.Vals);
        Assert.Equal([1L, 2L, 3L], cfg.Items[1].Value.SintList.Vals);
        Assert.Equal(["x", "y"], cfg.Items[2].Value.StringList.Vals);
        Assert.Equal([0x01, 0x02], cfg.Items[3].Value.Bytes.ToByteArray());
        Assert.Equal(ConfigRecordValue.ValueOneofCase.Uint64, cfg.Items[4].Value.ValueCase);
        Assert.Equal(9223372036854775808UL, cfg.Items[4].Value.Uint64);
        MetricRecord metrics = Item(m, 2, "m").MetricRecord;
        Assert.Equal(["hist", "counts"], metrics.Items.Select(i => i.Key));
        Assert.Equal([0.5, 0.25], metrics.Items[0].Value.DoubleList.Vals);
        Assert.Equal([1L, 2L], metrics.Items[1].Value.SintList.Vals);
    }
}
