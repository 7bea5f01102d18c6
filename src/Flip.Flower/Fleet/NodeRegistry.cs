using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Flip.Flower.Fleet;

/// <summary>
/// The nodes a Fleet server knows, as the node table of Flower's <c>LinkState</c>: one node per public key (by its
/// fingerprint), its random id, whether it is activated, and when it was last heard from.
/// </summary>
/// <remarks>
/// Callers have authenticated the key (<see cref="FleetService.Authenticate"/>); this decides what the key may do. The
/// registry has no lock of its own: every member takes the gate it shares with the <see cref="MessageQueue"/> and the
/// <see cref="Objects.ObjectStore"/> (re-entrant), so the queue can check a node and queue for it in one step.
/// </remarks>
/// <param name="gate">The lock shared with the server's other parts.</param>
/// <param name="time">The clock.</param>
/// <param name="logger">Where to log.</param>
internal sealed class NodeRegistry(object gate, TimeProvider time, ILogger logger)
{
    private readonly object _gate = gate;
    private readonly Dictionary<string, ulong> _nodeByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, Node> _nodes = [];

    /// <summary>A registered node.</summary>
    /// <param name="id">The node id.</param>
    /// <param name="key">The node's key fingerprint.</param>
    internal sealed class Node(ulong id, string key)
    {
        /// <summary>The node id.</summary>
        public ulong Id { get; } = id;

        /// <summary>The node's key fingerprint (<see cref="Auth.KeyFingerprint"/>): one key, one node, however its PEM text is written.</summary>
        public string Key { get; } = key;

        /// <summary>Activated and not deactivated since. Written under the gate.</summary>
        public bool Online { get; set; }

        /// <summary>Its last call or heartbeat. Written under the gate.</summary>
        public DateTimeOffset LastSeen { get; set; }

        /// <summary>The heartbeat interval it announced. Written under the gate.</summary>
        public TimeSpan HeartbeatInterval { get; set; }
    }

    /// <summary>Registers a key as a new node.</summary>
    /// <param name="key">The key fingerprint.</param>
    /// <returns>The new node's id: full-range, never the SuperLink's own.</returns>
    /// <exception cref="FleetRefusedException">The key is registered already.</exception>
    public ulong Register(string key)
    {
        lock (_gate)
        {
            // Keyed by fingerprint: the same key in another PEM form (CRLF, trailing text, other line wrapping) is the same node.
            if (_nodeByKey.ContainsKey(key))
            {
                throw FleetRefusedException.KeyInUse();
            }

            // Full-range and unpredictable, as the SuperLink's (os.urandom): an id tells nothing about other nodes or runs.
            Span<byte> random = stackalloc byte[sizeof(ulong)];
            ulong id;
            do
            {
                RandomNumberGenerator.Fill(random);
                id = BinaryPrimitives.ReadUInt64LittleEndian(random);
            }
            while (id <= FleetService.SuperLinkNodeId || _nodes.ContainsKey(id));

            _nodeByKey[key] = id;
            _nodes[id] = new Node(id, key);
            logger.LogInformation("Registered node {NodeId}", id);
            return id;
        }
    }

    /// <summary>Marks the key's node online with the heartbeat interval it announces.</summary>
    /// <param name="key">The key fingerprint.</param>
    /// <param name="heartbeatInterval">The announced interval in seconds (10–1800).</param>
    /// <returns>The node's id.</returns>
    /// <exception cref="FleetRefusedException">The interval is out of range (checked first), or the key registered no node.</exception>
    public ulong Activate(string key, double heartbeatInterval)
    {
        CheckHeartbeatInterval(heartbeatInterval);
        lock (_gate)
        {
            if (!_nodeByKey.TryGetValue(key, out ulong id))
            {
                throw FleetRefusedException.NoNodeForKey();
            }

            Node node = _nodes[id];
            node.Online = true;
            node.LastSeen = time.GetUtcNow();
            node.HeartbeatInterval = TimeSpan.FromSeconds(heartbeatInterval);
            return id;
        }
    }

    /// <summary>The key's node, when the request names it, marked as seen now: what every call after activation passes first.</summary>
    /// <param name="key">The caller's key fingerprint.</param>
    /// <param name="nodeId">The node id in the request.</param>
    /// <returns>The node.</returns>
    /// <exception cref="FleetRefusedException">The key registered no node, or <paramref name="nodeId"/> is not its node.</exception>
    public Node Find(string key, ulong nodeId)
    {
        lock (_gate)
        {
            if (!_nodeByKey.TryGetValue(key, out ulong id))
            {
                throw FleetRefusedException.NoNodeForKey();
            }

            if (id != nodeId)
            {
                throw FleetRefusedException.NotThisNode();
            }

            Node node = _nodes[id];
            node.LastSeen = time.GetUtcNow();
            return node;
        }
    }

    /// <summary>Records a heartbeat: the interval is checked before the node, as the SuperLink does.</summary>
    /// <param name="key">The caller's key fingerprint.</param>
    /// <param name="nodeId">The node id in the request.</param>
    /// <param name="heartbeatInterval">The announced interval in seconds (10–1800).</param>
    /// <exception cref="FleetRefusedException">The interval is out of range, or <see cref="Find"/> refuses.</exception>
    public void Heartbeat(string key, ulong nodeId, double heartbeatInterval)
    {
        CheckHeartbeatInterval(heartbeatInterval);
        Node node = Find(key, nodeId);
        lock (_gate)
        {
            node.LastSeen = time.GetUtcNow();
            node.HeartbeatInterval = TimeSpan.FromSeconds(heartbeatInterval);
        }
    }

    /// <summary>Marks a node offline (a graceful stop); it stays registered.</summary>
    /// <param name="node">The node (<see cref="Find"/>).</param>
    public void Deactivate(Node node)
    {
        lock (_gate)
        {
            node.Online = false;
        }
    }

    /// <summary>Forgets a node and frees its key.</summary>
    /// <param name="node">The node (<see cref="Find"/>).</param>
    public void Unregister(Node node)
    {
        lock (_gate)
        {
            _nodes.Remove(node.Id);
            _nodeByKey.Remove(node.Key);
        }
    }

    /// <summary>Whether a node is registered and activated (its heartbeat aside): whether instructions may be queued for it.</summary>
    /// <param name="nodeId">The node id.</param>
    /// <returns><see langword="true"/> when it is.</returns>
    public bool IsActive(ulong nodeId)
    {
        lock (_gate)
        {
            return _nodes.TryGetValue(nodeId, out Node? node) && node.Online;
        }
    }

    /// <summary>Ids of the activated nodes whose last call or heartbeat is no older than their heartbeat interval.</summary>
    /// <returns>The node ids, in registration order.</returns>
    public IReadOnlyList<ulong> Online()
    {
        DateTimeOffset now = time.GetUtcNow();
        lock (_gate)
        {
            return [.. _nodes.Values.Where(n => n.Online && now - n.LastSeen <= n.HeartbeatInterval).Select(n => n.Id)];
        }
    }

    private static void CheckHeartbeatInterval(double seconds)
    {
        if (seconds is < 10 or > 1800)
        {
            throw FleetRefusedException.HeartbeatInterval(seconds);
        }
    }
}
