using System.Globalization;

namespace Flip.Flower;

/// <summary>
/// A Flower peer (or a byte blob that came from one) did not follow the Flower 1.27 wire protocol:
/// a malformed NPY file, a content object whose bytes do not hash to its id, a message the node
/// cannot answer, a call the server refused.
/// </summary>
/// <remarks>
/// Every instance is built by one of the static factories below, so each message is written once
/// (STYLE.md §4). The message says where (message type, field, byte offset), what was found and
/// what was expected. Exit code <see cref="ExitCodes.Network"/>.
/// </remarks>
public sealed class FlowerProtocolException : FlipException
{
    private FlowerProtocolException(string message, string? messageType, string? field, string? fix = null, Exception? inner = null)
        : base(message, ExitCodes.Network, fix, inner)
    {
        MessageType = messageType;
        Field = field;
    }

    /// <summary>The Flower message or object type the error is about (for example <c>NPY</c>, <c>ArrayChunk</c>, <c>PullObject</c>), or <see langword="null"/>.</summary>
    public string? MessageType { get; }

    /// <summary>The field, header key or byte region the error is about, or <see langword="null"/>.</summary>
    public string? Field { get; }

    private static string Hex(long offset) => "0x" + offset.ToString("X", CultureInfo.InvariantCulture);

    /// <summary>An NPY blob ended before the part that had to be there.</summary>
    /// <param name="offset">Byte offset where the missing part starts.</param>
    /// <param name="what">What was expected at that offset.</param>
    /// <param name="needed">Bytes needed from <paramref name="offset"/>.</param>
    /// <param name="available">Bytes left from <paramref name="offset"/>.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException NpyTruncated(long offset, string what, long needed, long available) =>
        new($"NPY: at byte {Hex(offset)}, {what} needs {needed.ToString(CultureInfo.InvariantCulture)} bytes but only {available.ToString(CultureInfo.InvariantCulture)} are left; expected a complete np.save file (truncated transfer?).",
            "NPY", what);

    /// <summary>An NPY blob's fixed part (magic, version) is wrong.</summary>
    /// <param name="offset">Byte offset of the wrong part.</param>
    /// <param name="what">What was found.</param>
    /// <param name="expected">What was expected.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException NpyBadPreamble(long offset, string what, string expected) =>
        new($"NPY: at byte {Hex(offset)}, found {what}; expected {expected}.", "NPY", "preamble");

    /// <summary>An NPY header dictionary could not be parsed or holds a value this codec refuses.</summary>
    /// <param name="offset">Byte offset inside the blob where the problem was seen.</param>
    /// <param name="key">The header key (<c>descr</c>, <c>fortran_order</c>, <c>shape</c>) or <c>header</c>.</param>
    /// <param name="found">What was found.</param>
    /// <param name="expected">What was expected.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException NpyBadHeader(long offset, string key, string found, string expected) =>
        new($"NPY: at byte {Hex(offset)}, header key '{key}': found {found}; expected {expected}.", "NPY", key,
            key == "descr" ? "send arrays of a plain numeric or bool dtype (np.save with allow_pickle=False)" : null);

    /// <summary>An NPY data section's length does not match the header's shape and dtype.</summary>
    /// <param name="offset">Byte offset where the data starts.</param>
    /// <param name="expected">Bytes the header implies.</param>
    /// <param name="actual">Bytes present.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException NpyDataLength(long offset, long expected, long actual) =>
        new($"NPY: at byte {Hex(offset)}, the data section has {actual.ToString(CultureInfo.InvariantCulture)} bytes; expected {expected.ToString(CultureInfo.InvariantCulture)} (shape × item size from the header).",
            "NPY", "data");

    /// <summary>An array given to the encoder is inconsistent (data length vs shape, unknown dtype).</summary>
    /// <param name="what">What is wrong.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException InvalidArray(string what) =>
        new($"NPY: cannot encode the array: {what}.", "NPY", "array");

    /// <summary>An array's elements were asked for as a .NET type that does not match its dtype.</summary>
    /// <param name="holds">The array's dtype name.</param>
    /// <param name="asked">The dtype name of the requested .NET type.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException WrongElementType(string holds, string asked) =>
        new($"NPY: the array holds {holds}; its elements were asked for as {asked}.", "NPY", "dtype", "convert with NpyArray.CastTo first");

    /// <summary>A content object's bytes do not have the <c>HEAD 0x00 BODY</c> layout.</summary>
    /// <param name="objectId">The object's id.</param>
    /// <param name="offset">Byte offset of the problem.</param>
    /// <param name="found">What was found.</param>
    /// <param name="expected">What was expected.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException BadObject(string objectId, long offset, string found, string expected) =>
        new($"Flower object {Short(objectId)}: at byte {Hex(offset)}, found {found}; expected {expected}.", "object", "head");

    /// <summary>A content object's SHA-256 does not equal the id it was sent under.</summary>
    /// <param name="objectId">The id it was sent under.</param>
    /// <param name="actual">The SHA-256 of its bytes.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException ObjectIdMismatch(string objectId, string actual) =>
        new($"Flower object {Short(objectId)}: its bytes hash to {Short(actual)}; expected SHA-256 = the object id (corrupted transfer).",
            "object", "object_id", "retry; if it repeats, the peer is not speaking Flower 1.27's object format");

    /// <summary>An object body does not decode as its type requires.</summary>
    /// <param name="objectId">The object's id.</param>
    /// <param name="typeName">The object type from its head.</param>
    /// <param name="what">What is wrong.</param>
    /// <param name="inner">The decoder's exception, if any.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException BadObjectBody(string objectId, string typeName, string what, Exception? inner = null) =>
        new($"Flower object {Short(objectId)} ({typeName}): {what}.", typeName, "body", null, inner);

    /// <summary>A message a peer sent would cost more than its <see cref="Objects.ObjectBudget"/>; nothing was allocated for the excess.</summary>
    /// <param name="objectId">The object where the budget ran out.</param>
    /// <param name="what">What would exceed the budget, and the budget.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException OverBudget(string objectId, string what) =>
        new($"Flower object {Short(objectId)}: {what}; expected a message no larger than the model it answers.", "object", "budget");

    /// <summary>A needed object was not in the set the peer supplied.</summary>
    /// <param name="objectId">The missing id.</param>
    /// <param name="neededBy">Which object or message refers to it.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException MissingObject(string objectId, string neededBy) =>
        new($"Flower object {Short(objectId)} referenced by {neededBy} was not received; expected every id of the message's object tree.",
            "object", "object_id");

    /// <summary>The server says an object of a pulled message does not exist.</summary>
    /// <param name="objectId">The id.</param>
    /// <param name="messageId">The message it belongs to.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException ObjectNotFound(string objectId, string messageId) =>
        new($"PullObject: the server has no object {Short(objectId)} of message {Short(messageId)} (object_found=false); expected every id of the message's object tree to be stored.",
            "PullObject", "object_found");

    /// <summary>A message's content or metadata is not what the receiver can act on.</summary>
    /// <param name="messageType">The Flower message type (for example <c>train</c>).</param>
    /// <param name="field">The field concerned.</param>
    /// <param name="what">What was found and what was expected.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException BadMessage(string messageType, string field, string what) =>
        new($"Flower message '{messageType}', {field}: {what}.", messageType, field);

    /// <summary>A value in a record has a type the receiver did not expect.</summary>
    /// <param name="record">The record kind (<c>ConfigRecord</c>, <c>MetricRecord</c>).</param>
    /// <param name="key">The item key.</param>
    /// <param name="found">The type found.</param>
    /// <param name="expected">The type expected.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException WrongValueType(string record, string key, string found, string expected) =>
        new($"{record} item '{key}': found a {found}; expected a {expected}.", record, key);

    /// <summary>A signed call could not be authenticated (bad key file, bad signature).</summary>
    /// <param name="what">What failed.</param>
    /// <param name="fix">What the user can do.</param>
    /// <param name="inner">The underlying error.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException Authentication(string what, string? fix = null, Exception? inner = null) =>
        new($"Flower node authentication: {what}.", "auth", null, fix, inner);

    /// <summary>A Fleet API call failed at the server or on the network.</summary>
    /// <param name="server">The server address.</param>
    /// <param name="method">The Fleet method name.</param>
    /// <param name="status">The gRPC status code name.</param>
    /// <param name="detail">The server's detail text.</param>
    /// <param name="fix">What the user can do.</param>
    /// <param name="inner">The gRPC exception.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException CallFailed(string server, string method, string status, string detail, string? fix, Exception? inner) =>
        new($"Flower server {server}: {method} failed with {status}: {detail}.", method, null, fix, inner);

    /// <summary>A plaintext (http://) connection to a host that is not on this machine was requested.</summary>
    /// <param name="address">The address.</param>
    /// <returns>The exception to throw.</returns>
    public static FlowerProtocolException InsecureRemote(Uri address) =>
        new($"Flower server {address}: refusing a plaintext connection to a host that is not on this machine; model parameters would travel unencrypted.",
            "channel", "address", "use an https:// address and give the server's root certificate (PEM)");

    private static string Short(string id) => id.Length > 16 ? id[..16] + "…" : id;
}
