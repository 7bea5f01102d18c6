using System.Text;
using Flip.Flower.Fleet;
using Flip.Flower.Npy;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Flip.Flower.Tests.Fleet;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Tests.Objects;

/// <summary>Issue #21, finding 2, at the codec: what a rebuilt message may cost is checked before any array is put together.</summary>
public sealed class ObjectBudgetTests
{
    private static readonly W.Metadata Instruction = new()
    {
        RunId = 1, SrcNodeId = 1, DstNodeId = 2, MessageId = new string('a', 64), MessageType = "train", CreatedAt = 1.8e9, Ttl = 3600,
    };

    private static Dictionary<string, FlowerObject> Objects(DeflatedMessage d) => d.Objects.ToDictionary(o => o.Key, o => FlowerObject.Parse(o.Value.Content, o.Key), StringComparer.Ordinal);

    [Fact]
    public void A_budget_from_the_model_allows_its_reply_in_any_dtype_of_up_to_8_bytes()
    {
        // Given: a 1,000-element float32 model; the budget allows 1,000 × 8 bytes + a 4,096-byte header + 1 MiB for records
        var model = new ArrayRecord { { "w", NpyArray.FromValues<float>(new float[1000], 1000) } };
        ObjectBudget budget = ObjectBudget.ForReplyTo(new RecordDict { { RecordKeys.Arrays, model } });
        Assert.Equal(8000 + 4096 + (1 << 20), budget.MaxBytes);
        Assert.Equal(64 + 1 + 2, budget.MaxObjects);

        // When: the reply is the model in float64
        var reply = new FlowerMessage(HostileNode.ReplyTo(Instruction), new RecordDict { { RecordKeys.Arrays, new ArrayRecord { { "w", NpyArray.FromValues<double>(new double[1000], 1000) } } } });
        DeflatedMessage d = ObjectCodec.Deflate(reply);

        // Then: it is rebuilt
        Assert.Equal(1000, ((ArrayRecord)ObjectCodec.Inflate(d.MessageId, Objects(d), budget).Content![RecordKeys.Arrays])["w"].ElementCount);
    }

    [Fact]
    public void A_chunk_repeated_beyond_the_budget_is_refused_before_the_array_is_put_together()
    {
        // Given: one 5 MiB chunk listed 100 times (500 MiB declared) under two names
        DeflatedMessage d = HostileNode.RepeatedChunkReply(Instruction, "w", ObjectCodec.MaxChunkSize, 100, 2);
        var budget = new ObjectBudget { MaxBytes = 10_000_000 };
        long before = GC.GetAllocatedBytesForCurrentThread();

        // When
        var e = Assert.Throws<FlowerProtocolException>(() => ObjectCodec.Inflate(d.MessageId, Objects(d), budget));

        // Then: refused by the budget with a few MB allocated, not 500 MiB
        Assert.Contains("the message may take 10000000", e.Message, StringComparison.Ordinal);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 16L << 20);
    }

    [Fact]
    public void One_array_under_several_names_is_rebuilt_once()
    {
        // Given: Flower's own aliasing: two equal arrays share one object id
        var zeros = NpyArray.FromValues<float>(new float[3_000_000], 3_000_000);
        var reply = new FlowerMessage(HostileNode.ReplyTo(Instruction), new RecordDict
        {
            { RecordKeys.Arrays, new ArrayRecord { { "a", zeros }, { "b", NpyArray.FromValues<float>(new float[3_000_000], 3_000_000) } } },
        });
        DeflatedMessage d = ObjectCodec.Deflate(reply);
        Assert.Single(d.Objects.Values, o => o.TypeName == "Array");

        // When: rebuilt with a budget of one copy (12 MB + header), not two
        var record = (ArrayRecord)ObjectCodec.Inflate(d.MessageId, Objects(d), new ObjectBudget { MaxBytes = 12_001_000 }).Content![RecordKeys.Arrays];

        // Then: both names hold the same instance
        Assert.Same(record["a"], record["b"]);
    }

    [Fact]
    public void Chunks_not_cut_as_Flower_cuts_them_or_disagreeing_with_the_declared_shape_are_refused()
    {
        // Given: the repeated-chunk reply with 1 MiB chunks (Flower cuts 5 MiB chunks; only the last may be shorter)
        DeflatedMessage small = HostileNode.RepeatedChunkReply(Instruction, "w", 1 << 20, 3, 1);
        var e = Assert.Throws<FlowerProtocolException>(() => ObjectCodec.Inflate(small.MessageId, Objects(small), ObjectBudget.Unlimited));
        Assert.Contains("Flower cuts arrays into chunks of 5242880 bytes", e.Message, StringComparison.Ordinal);

        // When: an Array declares 1,000 float32 values over a chunk holding 10 of them
        byte[] npy = NpyCodec.Encode(NpyArray.FromValues<float>(new float[10], 10));
        FlowerObject chunk = FlowerObject.Create("ArrayChunk", [], npy);
        FlowerObject array = FlowerObject.Create("Array", [chunk.Id], PythonJson.ArrayBody("float32", [1000], RecordKeys.NumpyStype, [0]));
        FlowerObject record = FlowerObject.Create("ArrayRecord", [array.Id], PythonJson.StringMap([KeyValuePair.Create("w", array.Id)]));
        FlowerObject dict = FlowerObject.Create("RecordDict", [record.Id], PythonJson.StringMap([KeyValuePair.Create(RecordKeys.Arrays, record.Id)]));
        FlowerObject message = FlowerObject.Create("Message", [dict.Id], Google.Protobuf.MessageExtensions.ToByteArray(new W.Message { Metadata = HostileNode.ReplyTo(Instruction) }));
        var objects = new[] { chunk, array, record, dict, message }.ToDictionary(o => o.Id, StringComparer.Ordinal);

        // Then
        e = Assert.Throws<FlowerProtocolException>(() => ObjectCodec.Inflate(message.Id, objects, ObjectBudget.Unlimited));
        Assert.Contains("declares float32[1000] (4000 bytes of data) but its chunks hold", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_head_listing_a_child_twice_and_a_map_naming_a_record_twice_are_refused()
    {
        // A head with a repeated child: Flower lists each child once
        string child = new('b', 64);
        byte[] head = Encoding.ASCII.GetBytes($"ArrayRecord {child},{child} 2\0{{}}");
        var e = Assert.Throws<FlowerProtocolException>(() => FlowerObject.Parse(head));
        Assert.Contains("a child id listed twice", e.Message, StringComparison.Ordinal);

        // A name map with a name twice
        FlowerObject metrics = FlowerObject.Create("MetricRecord", [], []);
        FlowerObject dict = FlowerObject.Create("RecordDict", [metrics.Id], Encoding.ASCII.GetBytes($"{{\"m\": \"{metrics.Id}\", \"m\": \"{metrics.Id}\"}}"));
        FlowerObject message = FlowerObject.Create("Message", [dict.Id], Google.Protobuf.MessageExtensions.ToByteArray(new W.Message { Metadata = HostileNode.ReplyTo(Instruction) }));
        var objects = new[] { metrics, dict, message }.ToDictionary(o => o.Id, StringComparer.Ordinal);
        e = Assert.Throws<FlowerProtocolException>(() => ObjectCodec.Inflate(message.Id, objects, ObjectBudget.Unlimited));
        Assert.Contains("the name 'm' is listed twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tree_with_more_objects_than_the_budget_stops_being_walked_past_it()
    {
        var tree = new W.ObjectTree { ObjectId = new string('c', 64) };
        for (int i = 0; i < 10_000; i++)
        {
            tree.Children.Add(new W.ObjectTree { ObjectId = i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture) });
        }

        Assert.Equal(11, ObjectCodec.PostOrderIds(tree, 10).Count);
        Assert.Equal(10_001, ObjectCodec.PostOrderIds(tree).Count);
    }
}
