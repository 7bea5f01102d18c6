using System.Collections.Immutable;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Objects;

/// <summary>
/// A message split for the Fleet API: the <c>Message</c> without content (its <c>message_id</c> set
/// to the root object id), the <c>ObjectTree</c> sent beside it, and every object by id.
/// </summary>
public sealed class DeflatedMessage
{
    internal DeflatedMessage(W.Message message, W.ObjectTree tree, ImmutableDictionary<string, FlowerObject> objects, ImmutableArray<string> postOrder)
    {
        Message = message;
        Tree = tree;
        Objects = objects;
        PostOrderIds = postOrder;
    }

    /// <summary>The message id: the object id of the <c>Message</c> object.</summary>
    public string MessageId => Tree.ObjectId;

    /// <summary>The <c>Message</c> as it goes into <c>PushMessagesRequest.messages_list</c>.</summary>
    public W.Message Message { get; }

    /// <summary>The object tree as it goes into <c>message_object_trees</c>.</summary>
    public W.ObjectTree Tree { get; }

    /// <summary>Every distinct object, by id.</summary>
    public ImmutableDictionary<string, FlowerObject> Objects { get; }

    /// <summary>Every distinct object id, children before parents (the root last).</summary>
    public ImmutableArray<string> PostOrderIds { get; }
}
