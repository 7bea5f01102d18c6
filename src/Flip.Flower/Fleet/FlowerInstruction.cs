using Flip.Flower.Records;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Fleet;

/// <summary>An instruction a node received, fully downloaded: what to do and the records to do it with.</summary>
public sealed class FlowerInstruction
{
    internal FlowerInstruction(FlowerMessage message, W.Run? run)
    {
        Message = message;
        Run = run;
    }

    /// <summary>The whole message (metadata and content).</summary>
    public FlowerMessage Message { get; }

    /// <summary>The run's information from <c>GetRun</c> (FAB id, override config), or <see langword="null"/> when not fetched.</summary>
    public W.Run? Run { get; }

    /// <summary>The run id.</summary>
    public ulong RunId => Message.Metadata.RunId;

    /// <summary>The instruction's message id.</summary>
    public string MessageId => Message.Metadata.MessageId;

    /// <summary>The full message type, for example <c>train</c> or <c>train.fedprox</c>.</summary>
    public string MessageType => Message.Metadata.MessageType;

    /// <summary>The action: the message type before any <c>.</c> (<c>train</c>, <c>evaluate</c>, <c>query</c>).</summary>
    public string Action => MessageType.Split('.', 2)[0];

    /// <summary>The content records.</summary>
    public RecordDict Content => Message.Content ?? new RecordDict();

    /// <summary>The round number from <c>config.server-round</c>, when present.</summary>
    public long? ServerRound =>
        Content.TryGet(RecordKeys.Config, out ConfigRecord? config) && config.TryGetValue(RecordKeys.ServerRound, out RecordValue? v) && v.Kind == RecordValueKind.SInt64
            ? v.AsInt64()
            : null;
}
