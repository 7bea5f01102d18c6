using W = Flip.Flower.Wire;

namespace Flip.Flower.Records;

/// <summary>
/// A Flower message: metadata plus either content (a <see cref="RecordDict"/>) or an error —
/// an instruction from the server or a node's reply.
/// </summary>
public sealed class FlowerMessage
{
    /// <summary>Creates a message with content.</summary>
    /// <param name="metadata">The metadata (see flower-protocol.md (b) <c>Metadata</c>).</param>
    /// <param name="content">The content.</param>
    public FlowerMessage(W.Metadata metadata, RecordDict content)
    {
        Metadata = metadata ?? throw new ArgumentNullException(nameof(metadata));
        Content = content ?? throw new ArgumentNullException(nameof(content));
    }

    /// <summary>Creates an error reply.</summary>
    /// <param name="metadata">The metadata.</param>
    /// <param name="error">The error (code and reason).</param>
    public FlowerMessage(W.Metadata metadata, W.Error error)
    {
        Metadata = metadata ?? throw new ArgumentNullException(nameof(metadata));
        Error = error ?? throw new ArgumentNullException(nameof(error));
    }

    /// <summary>Run, message id, source and destination node, reply-to id, group, ttl, type, creation time.</summary>
    public W.Metadata Metadata { get; }

    /// <summary>The content, or <see langword="null"/> for an error reply.</summary>
    public RecordDict? Content { get; }

    /// <summary>The error, or <see langword="null"/> when there is content.</summary>
    public W.Error? Error { get; }

    /// <summary>The protobuf <c>Message</c> with the content inline (Flower before 1.19, and the vectors' inline files).</summary>
    /// <returns>The protobuf message.</returns>
    public W.Message ToProtoWithContent() => new()
    {
        Metadata = Metadata.Clone(),
        Content = Content is null ? null : RecordSerde.ToProto(Content),
        Error = Error?.Clone(),
    };

    /// <summary>The protobuf <c>Message</c> as the Fleet API carries it: an empty <c>RecordDict</c> instead of the content (absent for an error reply).</summary>
    /// <returns>The protobuf message.</returns>
    public W.Message ToProtoWithoutContent() => new()
    {
        Metadata = Metadata.Clone(),
        Content = Content is null ? null : new W.RecordDict(),
        Error = Error?.Clone(),
    };

    /// <summary>The message in a protobuf <c>Message</c> whose content is inline.</summary>
    /// <param name="proto">The protobuf message.</param>
    /// <returns>The message.</returns>
    /// <exception cref="FlowerProtocolException">Neither or both of content and error are set, or the metadata is missing.</exception>
    public static FlowerMessage FromProtoWithContent(W.Message proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        W.Metadata metadata = proto.Metadata ?? throw FlowerProtocolException.BadMessage("?", "metadata", "absent; expected run, ids, type and times");
        return (proto.Content, proto.Error) switch
        {
            (not null, null) => new FlowerMessage(metadata.Clone(), RecordSerde.FromProto(proto.Content)),
            (null, not null) => new FlowerMessage(metadata.Clone(), proto.Error.Clone()),
            _ => throw FlowerProtocolException.BadMessage(metadata.MessageType, "content/error", "expected exactly one of content and error"),
        };
    }

    /// <summary>Message type and id prefix; never content.</summary>
    /// <returns>Text for logs.</returns>
    public override string ToString() =>
        $"{Metadata.MessageType} {(Metadata.MessageId.Length >= 16 ? Metadata.MessageId[..16] + "…" : Metadata.MessageId)}{(Error is null ? string.Empty : $" error {Error.Code}")}";
}
