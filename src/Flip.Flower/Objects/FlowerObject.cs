using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;

namespace Flip.Flower.Objects;

/// <summary>
/// One content-addressed object of Flower's object store ("inflatable object"): bytes
/// <c>HEAD 0x00 BODY</c>, where HEAD is <c>&lt;TypeName&gt; &lt;child ids joined by ","&gt; &lt;body length&gt;</c>,
/// and the id is the lowercase hex SHA-256 of all the bytes.
/// </summary>
/// <remarks>Flower ≥ 1.19 (<c>flwr.common.inflatable</c>); flower-protocol.md (b) "object store".</remarks>
public sealed class FlowerObject
{
    private readonly ReadOnlyMemory<byte> _whole; // all the bytes, when they are one block; empty for an object built from views
    private readonly ReadOnlyMemory<byte> _head; // HEAD then the 0x00 separator
    private readonly ReadOnlyMemory<byte> _first; // the body, or its first part when it was built from two
    private readonly ReadOnlyMemory<byte> _second; // empty, or the body's second part

    private FlowerObject(string id, string typeName, ImmutableArray<string> childIds, ReadOnlyMemory<byte> content, int bodyOffset)
        : this(id, typeName, childIds, content[..bodyOffset], content[bodyOffset..], default)
    {
        _whole = content;
    }

    private FlowerObject(string id, string typeName, ImmutableArray<string> childIds, ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        Id = id;
        TypeName = typeName;
        ChildIds = childIds;
        _head = head;
        _first = first;
        _second = second;
        Length = head.Length + first.Length + second.Length;
    }

    /// <summary>The seven object type names Flower accepts.</summary>
    public static ImmutableArray<string> TypeNames { get; } =
        ["Message", "RecordDict", "ArrayRecord", "Array", "ArrayChunk", "ConfigRecord", "MetricRecord"];

    /// <summary>The object id: lowercase hex SHA-256 of <see cref="Content"/>.</summary>
    public string Id { get; }

    /// <summary>The type name from the head, one of <see cref="TypeNames"/>.</summary>
    public string TypeName { get; }

    /// <summary>The ids of the objects this one refers to, in head order.</summary>
    public ImmutableArray<string> ChildIds { get; }

    /// <summary>The number of object bytes (head, 0x00, body).</summary>
    public int Length { get; }

    /// <summary>
    /// Whether the bytes are one block of memory. An object built from views (<see cref="FromViews"/>) is not: its body
    /// is two blocks owned by someone else (an NPY header and a slice of a model's values), and it is put together only
    /// when it is copied out (<see cref="CopyTo"/>).
    /// </summary>
    public bool IsContiguous => !_whole.IsEmpty;

    /// <summary>The complete object bytes (head, 0x00, body) as sent in <c>PushObject</c>/<c>PullObject</c>.</summary>
    /// <remarks>Free for a parsed or created object; for one built from views (<see cref="IsContiguous"/> false) every read copies
    /// the bytes into a new array, so a server sending many of them copies each into a reused buffer with <see cref="CopyTo"/> instead.</remarks>
    public ReadOnlyMemory<byte> Content => IsContiguous ? _whole : ToArray();

    /// <summary>The body after the 0x00 separator.</summary>
    /// <remarks>Copies, as <see cref="Content"/> does, when the body is two blocks.</remarks>
    public ReadOnlyMemory<byte> Body => _second.IsEmpty ? _first : ToArray().AsMemory(_head.Length);

    /// <summary>Copies the object bytes (head, 0x00, body) into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="Length"/> bytes.</param>
    public void CopyTo(Span<byte> destination)
    {
        _head.Span.CopyTo(destination);
        _first.Span.CopyTo(destination[_head.Length..]);
        _second.Span.CopyTo(destination[(_head.Length + _first.Length)..]);
    }

    /// <summary>The object bytes as the blocks of memory they are in, in order (one block for a parsed or created object).</summary>
    /// <returns>The non-empty blocks.</returns>
    public IEnumerable<ReadOnlyMemory<byte>> Blocks()
    {
        if (IsContiguous)
        {
            yield return _whole;
            yield break;
        }

        foreach (ReadOnlyMemory<byte> block in new[] { _head, _first, _second })
        {
            if (!block.IsEmpty)
            {
                yield return block;
            }
        }
    }

    /// <summary>The object id of some bytes: lowercase hex SHA-256.</summary>
    /// <param name="content">Object bytes.</param>
    /// <returns>64 hex characters.</returns>
    public static string ComputeId(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Builds an object from its parts.</summary>
    /// <param name="typeName">One of <see cref="TypeNames"/>.</param>
    /// <param name="childIds">Child ids in order (no duplicates, as Flower writes them).</param>
    /// <param name="body">The body.</param>
    /// <returns>The object, with its id computed.</returns>
    public static FlowerObject Create(string typeName, IReadOnlyList<string> childIds, ReadOnlySpan<byte> body)
    {
        byte[] head = Head(typeName, childIds, body.Length);
        byte[] content = GC.AllocateUninitializedArray<byte>(head.Length + body.Length);
        head.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(head.Length));
        return new FlowerObject(ComputeId(content), typeName, [.. childIds], content, head.Length);
    }

    /// <summary>
    /// Builds an object whose body is two blocks of memory back to back (an NPY header and a slice of an array's values, say)
    /// without copying them: the object refers to both, so they must stay unchanged for as long as it is used.
    /// </summary>
    /// <param name="typeName">One of <see cref="TypeNames"/>.</param>
    /// <param name="childIds">Child ids in order.</param>
    /// <param name="first">The body's first part.</param>
    /// <param name="second">The body's second part.</param>
    /// <returns>The object, with its id computed over the parts.</returns>
    public static FlowerObject FromViews(string typeName, IReadOnlyList<string> childIds, ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        byte[] head = Head(typeName, childIds, checked(first.Length + second.Length));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(head);
        hash.AppendData(first.Span);
        hash.AppendData(second.Span);
        return new FlowerObject(Convert.ToHexStringLower(hash.GetHashAndReset()), typeName, [.. childIds], head, first, second);
    }

    /// <summary>HEAD then the 0x00 separator: <c>&lt;type&gt; &lt;children&gt; &lt;body length&gt;\0</c>.</summary>
    private static byte[] Head(string typeName, IReadOnlyList<string> childIds, int bodyLength)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        ArgumentNullException.ThrowIfNull(childIds);
        string head = $"{typeName} {string.Join(",", childIds)} {bodyLength.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        byte[] bytes = new byte[Encoding.ASCII.GetByteCount(head) + 1];
        Encoding.ASCII.GetBytes(head, bytes);
        return bytes;
    }

    /// <summary>Parses object bytes received from a peer and checks them as the SuperLink does.</summary>
    /// <param name="content">The object bytes (kept, not copied).</param>
    /// <param name="expectedId">The id it was sent under; when given, SHA-256 must equal it.</param>
    /// <returns>The object.</returns>
    /// <exception cref="FlowerProtocolException">Wrong hash, no separator, unknown type, a child id that is not 64 hex characters, or a body length that differs from the head.</exception>
    public static FlowerObject Parse(ReadOnlyMemory<byte> content, string? expectedId = null)
    {
        ReadOnlySpan<byte> span = content.Span;
        string id = ComputeId(span);
        if (expectedId is not null && !string.Equals(id, expectedId, StringComparison.Ordinal))
        {
            throw FlowerProtocolException.ObjectIdMismatch(expectedId, id);
        }

        int zero = span[..Math.Min(span.Length, 1 << 20)].IndexOf((byte)0);
        if (zero < 0)
        {
            throw FlowerProtocolException.BadObject(id, 0, "no 0x00 after the head", "'<type> <children> <length>' then a 0x00 byte");
        }

        string head = Encoding.ASCII.GetString(span[..zero]);
        string[] parts = head.Split(' ');
        if (parts.Length != 3)
        {
            throw FlowerProtocolException.BadObject(id, 0, $"a head of {parts.Length} space-separated parts", "3 parts: type, child ids, body length");
        }

        if (!TypeNames.Contains(parts[0]))
        {
            throw FlowerProtocolException.BadObject(id, 0, $"type '{Truncate(parts[0])}'", "one of " + string.Join(", ", TypeNames));
        }

        ImmutableArray<string> children = parts[1].Length == 0 ? [] : [.. parts[1].Split(',')];
        foreach (string child in children)
        {
            if (child.Length != 64 || !child.All(char.IsAsciiHexDigitLower))
            {
                throw FlowerProtocolException.BadObject(id, parts[0].Length + 1, $"child id '{Truncate(child)}'", "64 lowercase hex characters");
            }
        }

        if (children.Length > 1 && children.Distinct(StringComparer.Ordinal).Count() != children.Length)
        {
            // Flower lists each child once (a repeated chunk is repeated in the Array's body, not in its head).
            throw FlowerProtocolException.BadObject(id, parts[0].Length + 1, "a child id listed twice", "each child id once");
        }

        int bodyLength = span.Length - zero - 1;
        if (!int.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int declared) || declared != bodyLength)
        {
            throw FlowerProtocolException.BadObject(id, zero - parts[2].Length, $"body length '{Truncate(parts[2])}'", $"{bodyLength} (the bytes after the head)");
        }

        return new FlowerObject(id, parts[0], children, content, zero + 1);
    }

    /// <summary>Type name and id prefix; never the body.</summary>
    /// <returns>For example <c>ArrayChunk 0bd55c552a4d962c…</c>.</returns>
    public override string ToString() => $"{TypeName} {Id[..16]}…";

    private byte[] ToArray()
    {
        byte[] bytes = GC.AllocateUninitializedArray<byte>(Length);
        CopyTo(bytes);
        return bytes;
    }

    private static string Truncate(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
