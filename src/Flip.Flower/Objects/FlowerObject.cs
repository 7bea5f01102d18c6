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
    private FlowerObject(string id, string typeName, ImmutableArray<string> childIds, ReadOnlyMemory<byte> content, int bodyOffset)
    {
        Id = id;
        TypeName = typeName;
        ChildIds = childIds;
        Content = content;
        Body = content[bodyOffset..];
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

    /// <summary>The complete object bytes (head, 0x00, body) as sent in <c>PushObject</c>/<c>PullObject</c>.</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>The body after the 0x00 separator.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The object id of some bytes: lowercase hex SHA-256.</summary>
    /// <param name="content">Object bytes.</param>
    /// <returns>64 hex characters.</returns>
    public static string ComputeId(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Builds an object from its parts.</summary>
    /// <param name="typeName">One of <see cref="TypeNames"/>.</param>
    /// <param name="childIds">Child ids in order (no duplicates, as Flower writes them).</param>
    /// <param name="body">The body.</param>
    /// <returns>The object, with its id computed.</returns>
    public static FlowerObject Create(string typeName, IReadOnlyList<string> childIds, ReadOnlySpan<byte> body) => Create(typeName, childIds, body, default);

    /// <summary>Builds an object whose body is two parts back to back (an NPY header and the start of its data, say), copied once.</summary>
    /// <param name="typeName">One of <see cref="TypeNames"/>.</param>
    /// <param name="childIds">Child ids in order.</param>
    /// <param name="first">The body's first part.</param>
    /// <param name="second">The body's second part.</param>
    /// <returns>The object, with its id computed.</returns>
    public static FlowerObject Create(string typeName, IReadOnlyList<string> childIds, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        ArgumentNullException.ThrowIfNull(childIds);
        int bodyLength = checked(first.Length + second.Length);
        string head = $"{typeName} {string.Join(",", childIds)} {bodyLength.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        int headLength = Encoding.ASCII.GetByteCount(head);
        byte[] content = GC.AllocateUninitializedArray<byte>(headLength + 1 + bodyLength);
        Encoding.ASCII.GetBytes(head, content);
        content[headLength] = 0;
        first.CopyTo(content.AsSpan(headLength + 1));
        second.CopyTo(content.AsSpan(headLength + 1 + first.Length));
        return new FlowerObject(ComputeId(content), typeName, [.. childIds], content, headLength + 1);
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

    private static string Truncate(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
