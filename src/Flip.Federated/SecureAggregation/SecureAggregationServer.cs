using System.Security.Cryptography;

namespace Flip.Federated.SecureAggregation;

/// <summary>
/// The server's side of SecAgg+ for one round: builds the neighbour graph, relays public keys and
/// encrypted shares, adds up the masked inputs as they arrive, and removes the masks with the
/// survivors' shares. It holds no site's input at any point, only the running masked sum.
/// </summary>
/// <remarks>
/// What it learns: the sum of the survivors' quantised inputs, who survived, and (from the routing)
/// the neighbour graph. A self-mask seed is reconstructed only for a site whose input arrived, a
/// mask private key only for a site whose input did not; a site answers with one kind of share per
/// neighbour, never both (<see cref="SecureAggregationSite.Unmask"/>).
/// </remarks>
public sealed class SecureAggregationServer
{
    private readonly SecureAggregationSettings _settings;
    private readonly int _round;
    private readonly Dictionary<SiteId, SiteId[]> _graph;
    private readonly Dictionary<SiteId, SiteKeys> _keys = [];
    private readonly Dictionary<SiteId, List<EncryptedShare>> _mailboxes = [];
    private readonly HashSet<SiteId> _shared = [];
    private readonly HashSet<SiteId> _survivors = [];
    private uint[]? _sum;

    /// <summary>Starts a round with the sites sampled for it.</summary>
    /// <param name="sites">The sites, distinct.</param>
    /// <param name="settings">The settings.</param>
    /// <param name="round">The round.</param>
    /// <param name="random">Places the sites on the ring of the neighbour graph.</param>
    /// <exception cref="SecureAggregationException">The settings do not suit this many sites.</exception>
    public SecureAggregationServer(IReadOnlyList<SiteId> sites, SecureAggregationSettings settings, int round, Random random)
    {
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(random);
        var problems = settings.Validate(sites.Count).ToList();
        if (problems.Count > 0)
        {
            throw new SecureAggregationException($"Round {round}: the secure aggregation settings are invalid: {string.Join(" ", problems)}");
        }

        _settings = settings;
        _round = round;
        Sites = [.. sites];
        _graph = NeighbourGraph(Sites, settings.Neighbours, random);
    }

    /// <summary>The sites of the round.</summary>
    public IReadOnlyList<SiteId> Sites { get; }

    /// <summary>The sites whose masked input arrived.</summary>
    public IReadOnlyCollection<SiteId> Survivors => _survivors;

    /// <summary>The sites that shared their keys but sent no input.</summary>
    public IReadOnlyList<SiteId> Dropped => [.. _shared.Where(s => !_survivors.Contains(s)).Order()];

    /// <summary>A site's neighbours.</summary>
    /// <param name="site">The site.</param>
    /// <returns>Its neighbours, in id order.</returns>
    public IReadOnlyList<SiteId> NeighboursOf(SiteId site) => _graph[site];

    /// <summary>Stage setup: records a site's public keys.</summary>
    /// <param name="keys">The keys.</param>
    public void CollectKeys(SiteKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        Expect(keys.Site, "public keys");
        _keys[keys.Site] = keys;
    }

    /// <summary>Stage share-keys: the public keys of a site's neighbours that took part in setup.</summary>
    /// <param name="site">The site.</param>
    /// <returns>The keys to send it.</returns>
    public IReadOnlyCollection<SiteKeys> KeysFor(SiteId site)
        => [.. _graph[site].Where(_keys.ContainsKey).Select(n => _keys[n])];

    /// <summary>Stage share-keys: takes a site's encrypted shares for routing.</summary>
    /// <param name="from">The sender.</param>
    /// <param name="shares">Its shares, each addressed to one of its neighbours.</param>
    /// <exception cref="SecureAggregationException">A share is addressed to a site that is not the sender's neighbour.</exception>
    public void CollectShares(SiteId from, IEnumerable<EncryptedShare> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        Expect(from, "shares");
        foreach (var share in shares)
        {
            if (share.From != from || !_graph[from].Contains(share.To))
            {
                throw new SecureAggregationException($"Round {_round}: {from} sent a share from {share.From} to {share.To}; a site shares only its own secrets, only with its neighbours.");
            }

            if (!_mailboxes.TryGetValue(share.To, out var box))
            {
                _mailboxes[share.To] = box = [];
            }

            box.Add(share);
        }

        _shared.Add(from);
    }

    /// <summary>Stage share-keys: the encrypted shares routed to a site.</summary>
    /// <param name="site">The site.</param>
    /// <returns>Its mailbox.</returns>
    public IReadOnlyList<EncryptedShare> SharesFor(SiteId site) => _mailboxes.TryGetValue(site, out var box) ? box : [];

    /// <summary>Stage collect-masked: adds a site's masked input to the running sum mod 2³².</summary>
    /// <param name="input">The masked input.</param>
    /// <exception cref="SecureAggregationException">The site did not share its keys, sent twice, or sent another length.</exception>
    public void CollectMasked(MaskedInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!_shared.Contains(input.Site) || !_survivors.Add(input.Site))
        {
            throw new SecureAggregationException($"Round {_round}: masked input from {input.Site}, which did not share its keys this round or already sent its input.");
        }

        _sum ??= new uint[input.Values.Length];
        if (_sum.Length != input.Values.Length)
        {
            throw new SecureAggregationException($"Round {_round}: {input.Site} sent {input.Values.Length} values, the first input had {_sum.Length}; every site must send the model's layout.");
        }

        for (int i = 0; i < _sum.Length; i++)
        {
            _sum[i] = unchecked(_sum[i] + input.Values[i]);
        }
    }

    /// <summary>
    /// Stage unmask: reconstructs each survivor's self-mask seed and each dropped neighbour's mask
    /// private key from the survivors' shares, and removes the masks from the sum.
    /// </summary>
    /// <param name="replies">The survivors' unmask replies.</param>
    /// <returns>The sum of the survivors' quantised inputs mod 2³².</returns>
    /// <exception cref="SecureAggregationException">No input arrived, or a secret has fewer shares than its threshold.</exception>
    public uint[] Unmask(IEnumerable<UnmaskReply> replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        if (_sum is null)
        {
            throw new SecureAggregationException($"Round {_round}: no site sent its masked input, so there is nothing to unmask.", "find out why every site dropped out (metrics.csv, site logs).");
        }

        var selfMaskShares = new Dictionary<SiteId, List<ShamirShare>>();
        var maskKeyShares = new Dictionary<SiteId, List<ShamirShare>>();
        foreach (var reply in replies.Where(r => _survivors.Contains(r.From)))
        {
            Add(selfMaskShares, reply.SelfMaskShares);
            Add(maskKeyShares, reply.MaskKeyShares);
        }

        var sum = (uint[])_sum.Clone();
        foreach (var survivor in _survivors.Order())
        {
            byte[] seed = Reconstruct(selfMaskShares, survivor, "self-mask seed", MaskGenerator.SeedBytes);
            MaskGenerator.Apply(sum, seed, -1);
            CryptographicOperations.ZeroMemory(seed);
        }

        foreach (var dropped in Dropped)
        {
            var survivingNeighbours = _graph[dropped].Where(_survivors.Contains).ToList();
            if (survivingNeighbours.Count == 0)
            {
                continue;
            }

            byte[] privateKey = Reconstruct(maskKeyShares, dropped, "mask private key", 32);
            using var key = ImportPrivate(_keys[dropped].MaskKey, privateKey);
            CryptographicOperations.ZeroMemory(privateKey);
            foreach (var neighbour in survivingNeighbours)
            {
                // The survivor applied sign(survivor, dropped)·PRG(s); the dropped site's opposite mask never arrived.
                byte[] seed = SecureAggregationSite.PairwiseSeed(key, _keys[neighbour].MaskKey);
                MaskGenerator.Apply(sum, seed, -SecureAggregationSite.PairwiseSign(neighbour, dropped));
                CryptographicOperations.ZeroMemory(seed);
            }
        }

        return sum;
    }

    private byte[] Reconstruct(Dictionary<SiteId, List<ShamirShare>> shares, SiteId owner, string secret, int length)
    {
        int threshold = _settings.Threshold(_graph[owner].Length + 1);
        var received = shares.GetValueOrDefault(owner) ?? [];
        if (received.Count < threshold)
        {
            throw SecureAggregationException.BelowThreshold(_round, owner, secret, received.Count, threshold, _survivors.Count, Sites.Count);
        }

        return ShamirSecretSharing.Combine(received.Take(threshold).ToList(), length);
    }

    private static void Add(Dictionary<SiteId, List<ShamirShare>> into, IReadOnlyDictionary<SiteId, ShamirShare> shares)
    {
        foreach (var (owner, share) in shares)
        {
            if (!into.TryGetValue(owner, out var list))
            {
                into[owner] = list = [];
            }

            if (!list.Any(s => s.X == share.X))
            {
                list.Add(share);
            }
        }
    }

    private static ECDiffieHellman ImportPrivate(byte[] publicKey, byte[] privateKey)
    {
        using var publicOnly = ECDiffieHellman.Create();
        publicOnly.ImportSubjectPublicKeyInfo(publicKey, out _);
        var parameters = publicOnly.ExportParameters(includePrivateParameters: false);
        parameters.D = privateKey;
        return ECDiffieHellman.Create(parameters);
    }

    private void Expect(SiteId site, string what)
    {
        if (!_graph.ContainsKey(site))
        {
            throw new SecureAggregationException($"Round {_round}: {what} from {site}, which is not one of the round's sites ({string.Join(", ", Sites)}).");
        }
    }

    // SecAgg+'s graph: the sites on a ring in a random order, each joined to the ⌊k/2⌋ nearest on either side
    // (k rounded up to even); k = 0 or k ≥ n − 1 joins every pair.
    private static Dictionary<SiteId, SiteId[]> NeighbourGraph(IReadOnlyList<SiteId> sites, int k, Random random)
    {
        int n = sites.Count;
        if (sites.Distinct().Count() != n)
        {
            throw new SecureAggregationException("The round's site list has duplicates; every site takes part once.");
        }

        if (k == 0 || k >= n - 1)
        {
            return sites.ToDictionary(s => s, s => sites.Where(o => o != s).Order().ToArray());
        }

        var ring = sites.ToArray();
        random.Shuffle(ring);
        int half = (k + 1) / 2;
        var graph = new Dictionary<SiteId, SiteId[]>();
        for (int i = 0; i < n; i++)
        {
            var neighbours = new HashSet<SiteId>();
            for (int d = 1; d <= half; d++)
            {
                neighbours.Add(ring[(i + d) % n]);
                neighbours.Add(ring[(i - d + n) % n]);
            }

            neighbours.Remove(ring[i]);
            graph[ring[i]] = [.. neighbours.Order()];
        }

        return graph;
    }
}
