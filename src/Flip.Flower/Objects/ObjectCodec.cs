using System.Collections.Immutable;
using System.Text.Json;
using Flip.Flower.Npy;
using Flip.Flower.Records;
using Google.Protobuf;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Objects;

/// <summary>
/// Splits a <see cref="FlowerMessage"/> into content-addressed objects ("deflate") and rebuilds it
/// from them ("inflate"), byte for byte as Flower 1.27 does, so object ids equal Flower's.
/// </summary>
/// <remarks>
/// Layout (flower-protocol.md (b)): Message → RecordDict → ArrayRecord/ConfigRecord/MetricRecord;
/// ArrayRecord → Array → ArrayChunk (≤ <see cref="MaxChunkSize"/> bytes of NPY data each). Record
/// dicts and array records are JSON <c>{name: id}</c> in Python's <c>json.dumps</c> style; config and
/// metric records and the message are protobuf; children are the distinct ids in first-use order.
/// </remarks>
public static class ObjectCodec
{
    /// <summary>Largest ArrayChunk body: 5 MiB (Flower's <c>FLWR_MAX_ARRAY_CHUNK_SIZE</c>).</summary>
    public const int MaxChunkSize = 5 * 1024 * 1024;

    /// <summary>Deflates a message; sets nothing on the input.</summary>
    /// <param name="message">The message; its <c>message_id</c> is ignored (the id is computed).</param>
    /// <returns>The message without content (id set), its tree and objects.</returns>
    public static DeflatedMessage Deflate(FlowerMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var objects = new Dictionary<string, FlowerObject>(StringComparer.Ordinal);
        var postOrder = new List<string>();

        W.ObjectTree? contentTree = message.Content is null ? null : DeflateRecordDict(message.Content, objects, postOrder);

        W.Metadata metadata = message.Metadata.Clone();
        metadata.MessageId = string.Empty;
        byte[] body = new W.Message { Metadata = metadata, Error = message.Error?.Clone() }.ToByteArray();
        FlowerObject root = FlowerObject.Create("Message", contentTree is null ? [] : [contentTree.ObjectId], body);
        Add(root, objects, postOrder);

        var tree = new W.ObjectTree { ObjectId = root.Id };
        if (contentTree is not null)
        {
            tree.Children.Add(contentTree);
        }

        W.Message wire = message.ToProtoWithoutContent();
        wire.Metadata.MessageId = root.Id;
        return new DeflatedMessage(wire, tree, objects.ToImmutableDictionary(StringComparer.Ordinal), [.. postOrder]);
    }

    /// <summary>Rebuilds a message from its objects, checking every reference, with no budget (for messages this side deflated itself).</summary>
    /// <param name="messageId">The root (Message) object id.</param>
    /// <param name="objects">The objects by id, parsed and hash-checked (<see cref="FlowerObject.Parse"/>).</param>
    /// <returns>The message with <c>message_id</c> = <paramref name="messageId"/>.</returns>
    /// <exception cref="FlowerProtocolException">A missing object, a wrong type or a body that does not decode.</exception>
    public static FlowerMessage Inflate(string messageId, IReadOnlyDictionary<string, FlowerObject> objects) => Inflate(messageId, objects, ObjectBudget.Unlimited);

    /// <summary>
    /// Rebuilds a message a peer sent, checking every reference and, before any array is put together, that it fits
    /// <paramref name="budget"/>: each array is rebuilt once however many names refer to it, its chunks are cut as Flower
    /// cuts them (every chunk but the last <see cref="MaxChunkSize"/> bytes), its declared dtype and shape account for its
    /// chunks' bytes, and the distinct arrays' bytes and the names stay within the budget.
    /// </summary>
    /// <param name="messageId">The root (Message) object id.</param>
    /// <param name="objects">The objects by id, parsed and hash-checked (<see cref="FlowerObject.Parse"/>).</param>
    /// <param name="budget">What the message may cost.</param>
    /// <returns>The message with <c>message_id</c> = <paramref name="messageId"/>.</returns>
    /// <exception cref="FlowerProtocolException">A missing object, a wrong type, a body that does not decode, or more than the budget.</exception>
    public static FlowerMessage Inflate(string messageId, IReadOnlyDictionary<string, FlowerObject> objects, ObjectBudget budget)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(budget);
        var rebuild = new Rebuild(objects, budget);
        FlowerObject root = Get(objects, messageId, "Message", "the message");
        W.Message proto;
        try
        {
            proto = W.Message.Parser.ParseFrom(root.Body.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw FlowerProtocolException.BadObjectBody(root.Id, "Message", "the body is not a protobuf Message", e);
        }

        W.Metadata metadata = proto.Metadata ?? new W.Metadata();
        metadata.MessageId = messageId;
        if (proto.Error is not null)
        {
            if (root.ChildIds.Length != 0)
            {
                throw FlowerProtocolException.BadObjectBody(root.Id, "Message", "an error message must have no children");
            }

            return new FlowerMessage(metadata, proto.Error);
        }

        if (root.ChildIds.Length != 1)
        {
            throw FlowerProtocolException.BadObjectBody(root.Id, "Message", $"{root.ChildIds.Length} children; expected one RecordDict");
        }

        FlowerObject rd = Get(objects, root.ChildIds[0], "RecordDict", "the message");
        var content = new RecordDict();
        foreach ((string name, string id) in ReadStringMap(rd))
        {
            FlowerObject record = Get(objects, id, null, $"record '{name}'");
            if (content.Count >= rebuild.Budget.MaxObjects)
            {
                throw FlowerProtocolException.OverBudget(rd.Id, FormattableString.Invariant($"more than {rebuild.Budget.MaxObjects} records"));
            }

            content.Add(name, record.TypeName switch
            {
                "ArrayRecord" => InflateArrayRecord(record, rebuild),
                "ConfigRecord" => RecordSerde.FromProto(ParseBody(record, W.ConfigRecord.Parser)),
                "MetricRecord" => RecordSerde.FromProto(ParseBody(record, W.MetricRecord.Parser)),
                _ => throw FlowerProtocolException.BadObjectBody(record.Id, record.TypeName, $"record '{name}' is a {record.TypeName}; expected ArrayRecord, ConfigRecord or MetricRecord"),
            });
        }

        return new FlowerMessage(metadata, content);
    }

    /// <summary>Every object id in a tree, children before parents, each once.</summary>
    /// <param name="tree">The tree.</param>
    /// <returns>The ids.</returns>
    public static IReadOnlyList<string> PostOrderIds(W.ObjectTree tree) => PostOrderIds(tree, int.MaxValue);

    /// <summary>Every object id in a tree a peer sent, children before parents, each once, stopping after <paramref name="limit"/> + 1 ids.</summary>
    /// <param name="tree">The tree.</param>
    /// <param name="limit">The most ids the caller accepts; more than this many ids returned means the tree is over it.</param>
    /// <returns>The ids, at most <paramref name="limit"/> + 1.</returns>
    public static IReadOnlyList<string> PostOrderIds(W.ObjectTree tree, int limit)
    {
        ArgumentNullException.ThrowIfNull(tree);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<string>();
        Walk(tree);
        return result;

        void Walk(W.ObjectTree t)
        {
            foreach (W.ObjectTree c in t.Children)
            {
                if (result.Count > limit)
                {
                    return;
                }

                Walk(c);
            }

            if (seen.Add(t.ObjectId))
            {
                result.Add(t.ObjectId);
            }
        }
    }

    private static W.ObjectTree DeflateRecordDict(RecordDict content, Dictionary<string, FlowerObject> objects, List<string> postOrder)
    {
        var refs = new List<KeyValuePair<string, string>>();
        var children = new List<W.ObjectTree>();
        foreach ((string name, FlowerRecord record) in content)
        {
            W.ObjectTree child = record switch
            {
                ArrayRecord a => DeflateArrayRecord(a, objects, postOrder),
                ConfigRecord c => Leaf(FlowerObject.Create("ConfigRecord", [], RecordSerde.ToProto(c).ToByteArray()), objects, postOrder),
                MetricRecord m => Leaf(FlowerObject.Create("MetricRecord", [], RecordSerde.ToProto(m).ToByteArray()), objects, postOrder),
                _ => throw new ArgumentException($"Unknown record type {record.GetType().Name}.", nameof(content)),
            };
            refs.Add(new(name, child.ObjectId));
            AddDistinct(children, child);
        }

        return Node("RecordDict", PythonJson.StringMap(refs), children, objects, postOrder);
    }

    /// <summary>
    /// An ArrayRecord's objects, computed once per record instance: a server sends the same global model
    /// to every node, and encoding and hashing it once per node would cost a model-sized copy and a
    /// SHA-256 pass per node. Records are not changed after they are sent.
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ArrayRecord, DeflatedRecord> DeflatedArrays = new();

    private sealed record DeflatedRecord(W.ObjectTree Tree, FlowerObject[] PostOrder);

    private static W.ObjectTree DeflateArrayRecord(ArrayRecord record, Dictionary<string, FlowerObject> objects, List<string> postOrder)
    {
        DeflatedRecord deflated = DeflatedArrays.GetValue(record, static r =>
        {
            var own = new Dictionary<string, FlowerObject>(StringComparer.Ordinal);
            var order = new List<string>();
            W.ObjectTree tree = DeflateArrayRecordOnce(r, own, order);
            return new DeflatedRecord(tree, [.. order.Select(id => own[id])]);
        });
        foreach (FlowerObject obj in deflated.PostOrder)
        {
            Add(obj, objects, postOrder);
        }

        return deflated.Tree.Clone();
    }

    private static W.ObjectTree DeflateArrayRecordOnce(ArrayRecord record, Dictionary<string, FlowerObject> objects, List<string> postOrder)
    {
        var refs = new List<KeyValuePair<string, string>>();
        var children = new List<W.ObjectTree>();
        foreach ((string name, NpyArray array) in record)
        {
            W.ObjectTree child = DeflateArray(array, objects, postOrder);
            refs.Add(new(name, child.ObjectId));
            AddDistinct(children, child);
        }

        return Node("ArrayRecord", PythonJson.StringMap(refs), children, objects, postOrder);
    }

    private static W.ObjectTree DeflateArray(NpyArray array, Dictionary<string, FlowerObject> objects, List<string> postOrder)
    {
        // The NPY bytes are the header then the array's data. Each chunk is a view over the two (FlowerObject.FromViews), so
        // the encoding is never one more copy of the model: the bytes are put together only when a chunk is sent.
        byte[] header = NpyCodec.EncodeHeader(array);
        ReadOnlyMemory<byte> values = array.Data;
        long total = (long)header.Length + values.Length;
        var children = new List<W.ObjectTree>();
        var indexes = new List<int>();
        for (long offset = 0; offset < total; offset += MaxChunkSize)
        {
            int length = (int)Math.Min(MaxChunkSize, total - offset);
            int fromHeader = (int)Math.Clamp(header.Length - offset, 0, length);
            int dataStart = (int)Math.Max(0, offset - header.Length);
            FlowerObject part = FlowerObject.FromViews("ArrayChunk", [], header.AsMemory((int)Math.Min(offset, header.Length), fromHeader), values.Slice(dataStart, length - fromHeader));
            W.ObjectTree chunk = Leaf(part, objects, postOrder);
            int index = children.FindIndex(c => c.ObjectId == chunk.ObjectId);
            if (index < 0)
            {
                index = children.Count;
                children.Add(chunk);
            }

            indexes.Add(index);
        }

        byte[] body = PythonJson.ArrayBody(array.DType.Name, array.Shape, RecordKeys.NumpyStype, indexes);
        return Node("Array", body, children, objects, postOrder);
    }

    private static W.ObjectTree Leaf(FlowerObject obj, Dictionary<string, FlowerObject> objects, List<string> postOrder)
    {
        Add(obj, objects, postOrder);
        return new W.ObjectTree { ObjectId = obj.Id };
    }

    private static W.ObjectTree Node(string type, byte[] body, List<W.ObjectTree> children, Dictionary<string, FlowerObject> objects, List<string> postOrder)
    {
        FlowerObject obj = FlowerObject.Create(type, children.Select(c => c.ObjectId).ToArray(), body);
        Add(obj, objects, postOrder);
        var tree = new W.ObjectTree { ObjectId = obj.Id };
        tree.Children.AddRange(children);
        return tree;
    }

    private static void AddDistinct(List<W.ObjectTree> children, W.ObjectTree child)
    {
        if (!children.Exists(c => c.ObjectId == child.ObjectId))
        {
            children.Add(child);
        }
    }

    private static void Add(FlowerObject obj, Dictionary<string, FlowerObject> objects, List<string> postOrder)
    {
        if (objects.TryAdd(obj.Id, obj))
        {
            postOrder.Add(obj.Id);
        }
    }

    /// <summary>One rebuild's state: the budget left, and the arrays already rebuilt (by object id), which other names share.</summary>
    private sealed class Rebuild(IReadOnlyDictionary<string, FlowerObject> objects, ObjectBudget budget)
    {
        public IReadOnlyDictionary<string, FlowerObject> Objects { get; } = objects;

        public ObjectBudget Budget { get; } = budget;

        public Dictionary<string, NpyArray> Arrays { get; } = new(StringComparer.Ordinal);

        public long Bytes { get; set; }

        public int Names { get; set; }
    }

    private static NpyArray InflateArray(FlowerObject obj, Rebuild rebuild, string name)
    {
        if (rebuild.Arrays.TryGetValue(obj.Id, out NpyArray? shared))
        {
            return shared;
        }

        string dtype = string.Empty;
        string stype = string.Empty;
        var shape = new List<int>();
        var chunkIndexes = new List<int>();
        try
        {
            using JsonDocument doc = JsonDocument.Parse(obj.Body);
            JsonElement root = doc.RootElement;
            dtype = root.GetProperty("dtype").GetString() ?? string.Empty;
            stype = root.GetProperty("stype").GetString() ?? string.Empty;
            shape.AddRange(root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
            chunkIndexes.AddRange(root.GetProperty("arraychunk_ids").EnumerateArray().Select(e => e.GetInt32()));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw FlowerProtocolException.BadObjectBody(obj.Id, "Array", "the body is not {\"dtype\", \"shape\", \"stype\", \"arraychunk_ids\"} JSON", e);
        }

        // What the array may cost is known from its head and its chunks' lengths: check it all before a byte is copied.
        long elements = 1;
        foreach (int d in shape)
        {
            elements = d < 0 || elements > long.MaxValue / Math.Max(d, 1)
                ? throw FlowerProtocolException.BadObjectBody(obj.Id, "Array", $"array '{name}' has shape [{string.Join(", ", shape)}]; expected non-negative sizes")
                : elements * d;
        }

        if (!NpyDType.TryFromName(dtype, out NpyDType? type))
        {
            throw FlowerProtocolException.BadObjectBody(obj.Id, "Array", $"array '{name}' has dtype '{(dtype.Length > 16 ? dtype[..16] + "…" : dtype)}'; expected a numeric numpy dtype");
        }

        var chunks = new List<FlowerObject>(chunkIndexes.Count);
        var used = new bool[obj.ChildIds.Length];
        long total = 0;
        foreach (int i in chunkIndexes)
        {
            if (i < 0 || i >= obj.ChildIds.Length)
            {
                throw FlowerProtocolException.BadObjectBody(obj.Id, "Array", $"arraychunk_ids holds {i}; expected an index below {obj.ChildIds.Length} (the child count)");
            }

            FlowerObject chunk = Get(rebuild.Objects, obj.ChildIds[i], "ArrayChunk", $"array '{name}'");
            bool last = chunks.Count == chunkIndexes.Count - 1;
            if (last ? chunk.Body.Length is 0 or > MaxChunkSize : chunk.Body.Length != MaxChunkSize)
            {
                throw FlowerProtocolException.BadObjectBody(obj.Id, "Array",
                    $"chunk {chunks.Count} of array '{name}' holds {chunk.Body.Length} bytes; Flower cuts arrays into chunks of {MaxChunkSize} bytes, the last one shorter");
            }

            used[i] = true;
            chunks.Add(chunk);
            total += chunk.Body.Length;
        }

        if (Array.IndexOf(used, false) is var unused and >= 0)
        {
            throw FlowerProtocolException.BadObjectBody(obj.Id, "Array", $"child {unused} of array '{name}' is not among its arraychunk_ids; Flower lists only chunks it uses");
        }

        long data = elements > long.MaxValue / type.ItemSize ? long.MaxValue : elements * type.ItemSize;
        if (total - data is < 10 or > ObjectBudget.HeaderAllowance)
        {
            throw FlowerProtocolException.BadObjectBody(obj.Id, "Array",
                $"array '{name}' declares {dtype}[{string.Join(", ", shape)}] ({data} bytes of data) but its chunks hold {total} bytes; expected the data plus an NPY header of at most {ObjectBudget.HeaderAllowance} bytes");
        }

        rebuild.Bytes += total;
        if (rebuild.Bytes > rebuild.Budget.MaxBytes)
        {
            throw FlowerProtocolException.OverBudget(obj.Id, FormattableString.Invariant($"the arrays rebuilt up to '{name}' take {rebuild.Bytes} bytes; the message may take {rebuild.Budget.MaxBytes}"));
        }

        ReadOnlyMemory<byte> bytes;
        if (chunks.Count == 1)
        {
            bytes = chunks[0].Body;
        }
        else
        {
            byte[] joined = GC.AllocateUninitializedArray<byte>(checked((int)total));
            int at = 0;
            foreach (FlowerObject c in chunks)
            {
                c.Body.Span.CopyTo(joined.AsSpan(at));
                at += c.Body.Length;
            }

            bytes = joined;
        }

        var proto = new W.Array { Dtype = dtype, Stype = stype, Data = UnsafeByteOperations.UnsafeWrap(bytes) };
        proto.Shape.AddRange(shape);
        NpyArray array = RecordSerde.FromProto(proto, name);
        rebuild.Arrays[obj.Id] = array;
        return array;
    }

    private static ArrayRecord InflateArrayRecord(FlowerObject obj, Rebuild rebuild)
    {
        var record = new ArrayRecord();
        foreach ((string name, string id) in ReadStringMap(obj))
        {
            if (++rebuild.Names > rebuild.Budget.MaxArrays)
            {
                throw FlowerProtocolException.OverBudget(obj.Id, FormattableString.Invariant($"more than {rebuild.Budget.MaxArrays} array names"));
            }

            record.Add(name, InflateArray(Get(rebuild.Objects, id, "Array", $"array '{name}'"), rebuild, name));
        }

        return record;
    }


    private static T ParseBody<T>(FlowerObject obj, MessageParser<T> parser)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(obj.Body.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw FlowerProtocolException.BadObjectBody(obj.Id, obj.TypeName, $"the body is not a protobuf {obj.TypeName}", e);
        }
    }

    private static List<KeyValuePair<string, string>> ReadStringMap(FlowerObject obj)
    {
        var result = new List<KeyValuePair<string, string>>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var children = new HashSet<string>(obj.ChildIds, StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(obj.Body.Span);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("not an object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string key = reader.GetString()!;
                reader.Read();
                string value = reader.GetString() ?? throw new JsonException("null id");
                if (!names.Add(key))
                {
                    throw FlowerProtocolException.BadObjectBody(obj.Id, obj.TypeName, $"the name '{(key.Length > 40 ? key[..40] + "…" : key)}' is listed twice; expected each name once");
                }

                if (!children.Contains(value))
                {
                    throw FlowerProtocolException.BadObjectBody(obj.Id, obj.TypeName, $"'{key}' refers to {value[..Math.Min(16, value.Length)]}…, which is not among the head's children");
                }

                result.Add(new(key, value));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw FlowerProtocolException.BadObjectBody(obj.Id, obj.TypeName, "the body is not a JSON object of {name: object id}", e);
        }

        return result;
    }

    private static FlowerObject Get(IReadOnlyDictionary<string, FlowerObject> objects, string id, string? type, string neededBy)
    {
        if (!objects.TryGetValue(id, out FlowerObject? obj))
        {
            throw FlowerProtocolException.MissingObject(id, neededBy);
        }

        if (type is not null && obj.TypeName != type)
        {
            throw FlowerProtocolException.BadObjectBody(id, obj.TypeName, $"{neededBy} refers to a {obj.TypeName}; expected a {type}");
        }

        return obj;
    }
}
