using System.Text;
using System.Text.Json;
using Flip.Flower.Npy;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Google.Protobuf;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Tests.Objects;

/// <summary>Object ids and bytes equal those real Flower 1.27 computed (flower-vectors/fleet/*/objects).</summary>
public sealed class ObjectCodecTests
{
    public static TheoryData<string> Folders => new()
    {
        "train_ins", "train_res", "evaluate_ins", "evaluate_res", "train_error_res", "query_named_records",
    };

    private static Dictionary<string, FlowerObject> LoadObjects(string folder)
    {
        var objects = new Dictionary<string, FlowerObject>(StringComparer.Ordinal);
        foreach (string file in Directory.GetFiles(Vectors.Path_($"fleet/{folder}/objects")))
        {
            string id = Path.GetFileNameWithoutExtension(file);
            objects.Add(id, FlowerObject.Parse(File.ReadAllBytes(file), id));
        }

        return objects;
    }

    private static JsonElement Manifest(string folder)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Vectors.Path_("manifest.json")));
        return doc.RootElement.GetProperty("fleet/" + folder).Clone();
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Every_object_hashes_to_its_name_and_has_the_manifests_type_and_children(string folder)
    {
        Dictionary<string, FlowerObject> objects = LoadObjects(folder);
        JsonElement manifest = Manifest(folder);

        var listed = manifest.GetProperty("objects_post_order").EnumerateArray().ToList();
        Assert.Equal(listed.Count, objects.Count);
        foreach (JsonElement entry in listed)
        {
            FlowerObject obj = objects[entry.GetProperty("object_id").GetString()!];
            Assert.Equal(entry.GetProperty("type").GetString(), obj.TypeName);
            Assert.Equal(entry.GetProperty("children").EnumerateArray().Select(c => c.GetString()), obj.ChildIds);
        }
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Inflating_the_objects_gives_the_inline_message(string folder)
    {
        Dictionary<string, FlowerObject> objects = LoadObjects(folder);
        string messageId = Manifest(folder).GetProperty("message_id").GetString()!;

        FlowerMessage message = ObjectCodec.Inflate(messageId, objects);

        Assert.Equal(Vectors.Read($"fleet/{folder}/message_with_inline_content.bin"), message.ToProtoWithContent().ToByteArray());
        Assert.Equal(Vectors.Read($"fleet/{folder}/message_without_content.bin"), message.ToProtoWithoutContent().ToByteArray());
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Deflating_the_inline_message_gives_flowers_ids_tree_and_bytes(string folder)
    {
        FlowerMessage message = FlowerMessage.FromProtoWithContent(W.Message.Parser.ParseFrom(Vectors.Read($"fleet/{folder}/message_with_inline_content.bin")));
        message.Metadata.MessageId = string.Empty;
        JsonElement manifest = Manifest(folder);

        DeflatedMessage deflated = ObjectCodec.Deflate(message);

        Assert.Equal(manifest.GetProperty("message_id").GetString(), deflated.MessageId);
        Assert.Equal(Vectors.Read($"fleet/{folder}/message_without_content.bin"), deflated.Message.ToByteArray());
        Assert.Equal(Vectors.Read($"fleet/{folder}/object_tree.bin"), deflated.Tree.ToByteArray());
        Assert.Equal(manifest.GetProperty("objects_post_order").EnumerateArray().Select(e => e.GetProperty("object_id").GetString()), deflated.PostOrderIds);
        Assert.Equal(deflated.PostOrderIds, ObjectCodec.PostOrderIds(deflated.Tree));
        foreach ((string id, FlowerObject obj) in deflated.Objects)
        {
            Assert.Equal(Vectors.Read($"fleet/{folder}/objects/{id}.bin"), obj.Content.ToArray());
        }
    }

    [Fact]
    public void Train_ins_chunk_head_has_two_spaces_for_no_children()
    {
        FlowerObject chunk = LoadObjects("train_ins")["0bd55c552a4d962cf4398ecd7b71d1a05377410b9b904603b85f1760b8928530"];

        Assert.Equal("ArrayChunk  144\0", Encoding.ASCII.GetString(chunk.Content.Span[..16]));
        Assert.Equal(Vectors.Read("npy/a_2x2_float32.npy"), chunk.Body.ToArray());
    }

    [Fact]
    public void Train_ins_array_body_is_pythons_json()
    {
        FlowerObject array = LoadObjects("train_ins")["9a6df3451aa0b992591a9034c8bd92ed282fdd133b06f879662523e78df61e38"];

        Assert.Equal("{\"dtype\": \"float32\", \"shape\": [2, 2], \"stype\": \"numpy.ndarray\", \"arraychunk_ids\": [0]}", Encoding.ASCII.GetString(array.Body.Span));
    }

    [Fact]
    public void Large_arrays_are_cut_into_5_MiB_chunks_and_identical_chunks_appear_once()
    {
        // Given 16 MiB of zeros: NPY = 128-byte header + data; chunk 0 holds the header, chunks 1
        // and 2 are 5 MiB of zeros each (same id), chunk 3 is the rest.
        NpyArray zeros = NpyArray.Create(NpyDType.UInt8, [16 * 1024 * 1024], new byte[16 * 1024 * 1024]);
        var content = new RecordDict { { "arrays", new ArrayRecord { { "big", zeros } } } };
        var message = new FlowerMessage(new W.Metadata { RunId = 1, MessageType = "train", Ttl = 10, CreatedAt = 1767225600 }, content);

        DeflatedMessage deflated = ObjectCodec.Deflate(message);

        FlowerObject array = deflated.Objects.Values.Single(o => o.TypeName == "Array");
        Assert.Equal(3, array.ChildIds.Length);
        Assert.EndsWith("\"arraychunk_ids\": [0, 1, 1, 2]}", Encoding.ASCII.GetString(array.Body.Span), StringComparison.Ordinal);
        Assert.Equal(ObjectCodec.MaxChunkSize, deflated.Objects[array.ChildIds[1]].Body.Length);
        Assert.Equal((16 * 1024 * 1024) + 128 - (3 * ObjectCodec.MaxChunkSize), deflated.Objects[array.ChildIds[2]].Body.Length);

        FlowerMessage back = ObjectCodec.Inflate(deflated.MessageId, deflated.Objects);
        Assert.True(zeros.ContentEquals(((ArrayRecord)back.Content!["arrays"])["big"]));
    }

    [Fact]
    public void Chunks_cut_from_the_header_and_the_data_concatenate_to_the_arrays_npy_bytes()
    {
        // Given 12 MiB + 1001 float32 values of noise viewed without a copy: the NPY header ends inside chunk 0 and the data spans three chunks.
        var random = new Random(5);
        float[] values = new float[(3 * 1024 * 1024) + 1001];
        for (int i = 0; i < values.Length; i++) values[i] = (float)random.NextDouble();
        NpyArray view = NpyArray.View<float>(values, values.Length);
        var message = new FlowerMessage(new W.Metadata { RunId = 1, MessageType = "train", Ttl = 10, CreatedAt = 1767225600 },
            new RecordDict { { "arrays", new ArrayRecord { { "noise", view } } } });

        DeflatedMessage deflated = ObjectCodec.Deflate(message);

        FlowerObject array = deflated.Objects.Values.Single(o => o.TypeName == "Array");
        byte[] joined = [.. array.ChildIds.SelectMany(id => deflated.Objects[id].Body.ToArray())];
        Assert.Equal(3, array.ChildIds.Length);
        Assert.Equal(NpyCodec.Encode(NpyArray.FromValues<float>(values, values.Length)), joined);
        FlowerMessage back = ObjectCodec.Inflate(deflated.MessageId, deflated.Objects);
        Assert.Equal(values, ((ArrayRecord)back.Content!["arrays"])["noise"].ToArray<float>());
    }

    [Fact]
    public void A_view_shares_the_values_and_can_be_pinned()
    {
        float[] values = [1f, 2f, 3f, 4f, 5f, 6f];
        NpyArray view = NpyArray.View<float>(values.AsMemory(2, 4), 2, 2);

        Assert.Equal([3f, 4f, 5f, 6f], view.ToArray<float>());
        values[2] = 9f;
        Assert.Equal(9f, view.ToArray<float>()[0]);
        using (System.Buffers.MemoryHandle pinned = view.Data.Pin())
        {
            byte[] copy = new byte[8];
            System.Runtime.InteropServices.Marshal.Copy(PointerOf(pinned), copy, 0, 8);
            Assert.Equal([9f, 4f], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(copy).ToArray());
        }
    }

    private static unsafe IntPtr PointerOf(System.Buffers.MemoryHandle handle) => (IntPtr)handle.Pointer;

    [Fact]
    public void Parse_rejects_bytes_that_do_not_hash_to_the_id()
    {
        byte[] content = Vectors.Read("fleet/train_ins/objects/0bd55c552a4d962cf4398ecd7b71d1a05377410b9b904603b85f1760b8928530.bin");
        content[^1] ^= 1;

        var e = Assert.Throws<FlowerProtocolException>(() => FlowerObject.Parse(content, "0bd55c552a4d962cf4398ecd7b71d1a05377410b9b904603b85f1760b8928530"));

        Assert.StartsWith("Flower object 0bd55c552a4d962c…: its bytes hash to ", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("; expected SHA-256 = the object id (corrupted transfer).", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_rejects_a_body_length_that_differs_from_the_head()
    {
        byte[] content = [.. "ArrayChunk  5\0"u8, 1, 2, 3];

        var e = Assert.Throws<FlowerProtocolException>(() => FlowerObject.Parse(content));

        Assert.Contains("found body length '5'; expected 3 (the bytes after the head)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_rejects_an_unknown_type()
    {
        byte[] content = [.. "Pickle  0\0"u8];

        var e = Assert.Throws<FlowerProtocolException>(() => FlowerObject.Parse(content));

        Assert.Contains("found type 'Pickle'; expected one of Message, RecordDict, ArrayRecord, Array, ArrayChunk, ConfigRecord, MetricRecord", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inflate_names_a_missing_object()
    {
        Dictionary<string, FlowerObject> objects = LoadObjects("train_ins");
        objects.Remove("852c3f18ae342f19172cd6fd60949a5fe95388243b05576b598cee21801fc399");

        var e = Assert.Throws<FlowerProtocolException>(() => ObjectCodec.Inflate("4cf675490f914a13d9928a7c5155448e57ed7b00668b131cc70fa23b3a3e0af6", objects));

        Assert.Equal("Flower object 852c3f18ae342f19… referenced by array '1' was not received; expected every id of the message's object tree.", e.Message);
    }

    [Fact]
    public void Json_names_are_escaped_as_python_does()
    {
        var content = new RecordDict { { "na\"me/é\u0001😀", new MetricRecord { { "num-examples", RecordValue.Of(1L) } } } };
        var message = new FlowerMessage(new W.Metadata { MessageType = "train" }, content);

        DeflatedMessage deflated = ObjectCodec.Deflate(message);

        FlowerObject rd = deflated.Objects.Values.Single(o => o.TypeName == "RecordDict");
        Assert.StartsWith("{\"na\\\"me/\\u00e9\\u0001\\ud83d\\ude00\": \"", Encoding.ASCII.GetString(rd.Body.Span), StringComparison.Ordinal);
        FlowerMessage back = ObjectCodec.Inflate(deflated.MessageId, deflated.Objects);
        Assert.Equal("na\"me/é\u0001😀", Assert.Single(back.Content!.Keys));
    }

    [Fact]
    public void An_object_built_from_views_has_the_id_and_bytes_of_the_same_object_built_whole()
    {
        byte[] header = Encoding.ASCII.GetBytes("NPY header");
        byte[] data = [.. Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7))];
        FlowerObject whole = FlowerObject.Create("ArrayChunk", [], [.. header, .. data.AsSpan(10, 50_000)]);

        FlowerObject view = FlowerObject.FromViews("ArrayChunk", [], header, data.AsMemory(10, 50_000));

        Assert.False(view.IsContiguous);
        Assert.True(whole.IsContiguous);
        Assert.Equal(whole.Id, view.Id);
        Assert.Equal(whole.Length, view.Length);
        Assert.Equal(whole.Content.ToArray(), view.Content.ToArray());
        Assert.Equal(whole.Body.ToArray(), view.Body.ToArray());
        Assert.Equal(whole.Content.ToArray(), view.Blocks().SelectMany(b => b.ToArray()).ToArray());
        byte[] copied = new byte[view.Length];
        view.CopyTo(copied);
        Assert.Equal(whole.Content.ToArray(), copied);
        Assert.Equal(view.Id, FlowerObject.Parse(copied, view.Id).Id);
    }

    [Fact]
    public void A_deflated_array_refers_to_the_arrays_memory_instead_of_copying_it()
    {
        float[] values = [.. Enumerable.Range(0, 300_000).Select(i => i * 0.5f)];
        var record = new ArrayRecord { { "w", NpyArray.View<float>(values, 300_000) } };

        var objects = ObjectCodec.Deflate(new FlowerMessage(new W.Metadata { MessageType = "train" }, new RecordDict { { "arrays", record } })).Objects.Values;

        FlowerObject chunk = Assert.Single(objects, o => o.TypeName == "ArrayChunk");
        Assert.False(chunk.IsContiguous);
        values[299_999] = -1f; // the chunk's last bytes are the array's own: a change shows through (arrays sent are never changed)
        Assert.Equal(BitConverter.GetBytes(-1f), chunk.Content.Span[^4..].ToArray());
    }
}
