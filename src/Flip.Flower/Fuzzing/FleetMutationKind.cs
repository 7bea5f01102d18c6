namespace Flip.Flower.Fuzzing;

/// <summary>What a Fleet API mutation changes in a valid reply.</summary>
public enum FleetMutationKind
{
    /// <summary>An object id inside a head or a name map: random, truncated, upper case, or the id of an object of another type.</summary>
    ObjectId,

    /// <summary>An object's head: type name, child list (a child twice, a bad id), body length, the 0x00 separator.</summary>
    Head,

    /// <summary>The message's object tree: a child dropped, repeated, added (thousands of junk ids), nested deeply, the root replaced.</summary>
    Tree,

    /// <summary>An Array's <c>arraychunk_ids</c>: empty, one chunk repeated thousands of times, out of range, negative, not integers.</summary>
    ChunkList,

    /// <summary>An Array's dtype, shape (negative, zero, huge, many dimensions) or stype.</summary>
    ArrayHeader,

    /// <summary>Bytes of the NPY header at the start of an array's first chunk.</summary>
    NpyHeader,

    /// <summary>A RecordDict's or ArrayRecord's JSON name map: a name twice, a non-string id, not an object, a 100,000-character name.</summary>
    RecordMap,

    /// <summary>A ConfigRecord or MetricRecord: odd values (NaN, infinities, huge lists, every value type), truncated or extended protobuf.</summary>
    RecordContent,

    /// <summary>The message's metadata: ids, node ids, TTL and creation time (NaN, negative, infinite), message type, error and content together.</summary>
    Metadata,

    /// <summary>Random bytes of a random object flipped.</summary>
    Bytes,
}
