using System.Diagnostics.CodeAnalysis;

namespace Flip.Flower.Objects;

/// <summary>
/// The content-addressed objects a Fleet server holds, as Flower's <c>ObjectStore</c>: each object once by id, with a count of
/// the references to it, and each object gone when its last reference goes, so memory follows the messages in flight and
/// not the number of rounds.
/// </summary>
/// <remarks>
/// <para>Two holders refer to objects. A message this side sends holds all of its objects until the node confirms the
/// download or the message is forgotten (<see cref="HoldMessage"/>, <see cref="ReleaseMessage"/>). A reply being uploaded
/// holds every id of its tree from the moment it is announced, before the objects arrive (<see cref="Preregister"/>,
/// <see cref="Add"/>, <see cref="Take"/>, <see cref="Release"/>); an id can be referred to without its object being here.</para>
/// <para>The store has no lock of its own: every member takes the gate it was given, which the Fleet server's node
/// registry and message queue share. <c>lock</c> is re-entrant, so a caller that holds the gate makes several calls one
/// step (the message queue checks a reply, then preregisters its ids, then takes it when complete).</para>
/// </remarks>
/// <param name="gate">The lock shared with the server's other parts.</param>
internal sealed class ObjectStore(object gate)
{
    private readonly object _gate = gate;
    private readonly Dictionary<string, FlowerObject> _objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _references = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _messageObjects = new(StringComparer.Ordinal);

    /// <summary>Objects held now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _objects.Count;
            }
        }
    }

    /// <summary>Stores a message's objects (each once) and refers to all of them on the message's behalf.</summary>
    /// <param name="message">The message, split into objects.</param>
    public void HoldMessage(DeflatedMessage message)
    {
        lock (_gate)
        {
            foreach ((string id, FlowerObject obj) in message.Objects)
            {
                _objects.TryAdd(id, obj);
            }

            string[] ids = [.. message.PostOrderIds];
            AddReferences(ids);
            _messageObjects[message.MessageId] = ids;
        }
    }

    /// <summary>Drops a message's references (<see cref="HoldMessage"/>), at most once.</summary>
    /// <param name="messageId">The message id.</param>
    /// <returns>Whether the message still held its objects.</returns>
    public bool ReleaseMessage(string messageId)
    {
        lock (_gate)
        {
            if (!_messageObjects.Remove(messageId, out string[]? ids))
            {
                return false;
            }

            Release(ids);
            return true;
        }
    }

    /// <summary>
    /// Refers to every id of a message about to be uploaded, as Flower's <c>preregister</c>, whether its object is here yet
    /// or not; the objects arrive by <see cref="Add"/>.
    /// </summary>
    /// <param name="ids">The message's ids (its tree, post-order).</param>
    /// <returns>The ids whose object is not here yet: what the node must upload.</returns>
    public HashSet<string> Preregister(IReadOnlyList<string> ids)
    {
        lock (_gate)
        {
            var missing = new HashSet<string>(ids.Where(id => !_objects.ContainsKey(id)), StringComparer.Ordinal);
            AddReferences(ids);
            return missing;
        }
    }

    /// <summary>Drops one reference to each id; an object nobody refers to any more is dropped.</summary>
    /// <param name="ids">The ids.</param>
    public void Release(IEnumerable<string> ids)
    {
        lock (_gate)
        {
            foreach (string id in ids)
            {
                int left = _references.GetValueOrDefault(id) - 1;
                if (left > 0)
                {
                    _references[id] = left;
                }
                else
                {
                    _references.Remove(id);
                    _objects.Remove(id);
                }
            }
        }
    }

    /// <summary>Stores an uploaded object, unless one with its id is here already; the caller has checked that something refers to it.</summary>
    /// <param name="obj">The object, its id checked against its content.</param>
    public void Add(FlowerObject obj)
    {
        lock (_gate)
        {
            _objects.TryAdd(obj.Id, obj);
        }
    }

    /// <summary>Finds an object.</summary>
    /// <param name="id">The object id.</param>
    /// <param name="obj">The object, when here.</param>
    /// <returns><see langword="true"/> when it is here.</returns>
    public bool TryGet(string id, [NotNullWhen(true)] out FlowerObject? obj)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(id, out obj);
        }
    }

    /// <summary>Takes a message's objects out (references to them, no copy) and drops one reference to each id.</summary>
    /// <param name="ids">The message's ids (its tree, post-order).</param>
    /// <returns>The objects of those ids that are here, by id.</returns>
    public Dictionary<string, FlowerObject> Take(IReadOnlyList<string> ids)
    {
        lock (_gate)
        {
            var objects = new Dictionary<string, FlowerObject>(ids.Count, StringComparer.Ordinal);
            foreach (string id in ids)
            {
                if (_objects.TryGetValue(id, out FlowerObject? obj))
                {
                    objects[id] = obj;
                }
            }

            Release(ids);
            return objects;
        }
    }

    /// <summary>Refers once more to each id, whether its object is here yet or not. Under the gate.</summary>
    private void AddReferences(IEnumerable<string> ids)
    {
        foreach (string id in ids)
        {
            _references[id] = _references.GetValueOrDefault(id) + 1;
        }
    }
}
