using Flip.Federated;
using Flip.Federated.SecureAggregation;
using Flip.Federated.Strategies;
using Flip.Flower.Npy;
using Flip.Flower.Records;
using Microsoft.Extensions.Logging;
using ConfigRecord = Flip.Flower.Records.ConfigRecord;

namespace Flip.Flower.Fleet;

/// <summary>
/// The train step of one <see cref="SecureFedAvg"/> round over the Fleet API: SecAgg+ in the four
/// stages of Flower's <c>SecAggPlusWorkflow</c>, each a <c>train</c> message to every node still taking
/// part, so the server learns the sum of the nodes' weighted updates and nothing else about any one.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item><b>setup</b>: the settings go out; each node answers with two fresh public keys (and its
/// training example count, from which the largest becomes <c>max_weight</c> unless it is set).</item>
/// <item><b>share_keys</b>: the neighbour graph is built over the nodes that answered
/// (<see cref="SecureAggregationServer"/>); each node gets its neighbours' keys and answers with its
/// Shamir shares encrypted to them, which the server routes unread.</item>
/// <item><b>collect_masked_vectors</b>: each node gets the global model and its mailbox, trains, and
/// answers with its masked vector, example count and metrics; the server adds the vectors mod 2³².</item>
/// <item><b>unmask</b>: the survivors send the shares that remove the masks (of the dropped nodes'
/// keys too); the sum is dequantised and the model steps by Σ rᵢΔᵢ / Σ rᵢ (<see cref="SecureFedAvg.ApplySum"/>).</item>
/// </list>
/// A node that errs, refuses or misses the deadline in any stage is a failure of the round's train
/// step, named with the stage; it takes no further part. The round is skipped (the model kept) when
/// fewer than two nodes, or fewer than the strategy's <c>MinTrainSites</c>, are left, or when the
/// survivors hold too few shares to unmask; the server never unmasks a sum of one update.
/// </remarks>
internal sealed class SecureFleetRound
{
    private const string Step = "train";

    private readonly SecureFedAvg _strategy;
    private readonly SendInstructions _send;
    private readonly CollectReplies _collect;
    private readonly ILogger _logger;

    /// <summary>Creates the round's driver over <see cref="FleetFederation"/>'s own sending and collecting.</summary>
    public SecureFleetRound(SecureFedAvg strategy, SendInstructions send, CollectReplies collect, ILogger logger)
    {
        _strategy = strategy;
        _send = send;
        _collect = collect;
        _logger = logger;
    }

    /// <summary>Queues one instruction per site; a site that is offline becomes a failure.</summary>
    internal delegate List<(SiteId Site, string Id)> SendInstructions(IEnumerable<(SiteId Site, string Step, RecordDict Content)> instructions, int round, List<SiteFailure> failures);

    /// <summary>Awaits the replies against one deadline, handing each to <c>accept</c> (which returns why it is refused, or null).</summary>
    internal delegate Task CollectReplies(List<(SiteId Site, string Id)> sent, int round, string step, List<SiteFailure> failures, Func<SiteId, RecordDict, string?> accept, CancellationToken ct);

    /// <summary>Runs the four stages.</summary>
    /// <param name="context">The round.</param>
    /// <param name="global">The global model.</param>
    /// <param name="instructions">The strategy's train instructions, seeds set: who is sampled and how they train.</param>
    /// <param name="trainMetrics">Receives each survivor's train metrics.</param>
    /// <param name="failures">Receives the round's failures.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>The outcome.</returns>
    public async Task<TrainOutcome> RunAsync(RoundContext context, ParameterSet global, IReadOnlyList<TrainInstruction> instructions, Dictionary<SiteId, MetricSet> trainMetrics,
        List<SiteFailure> failures, CancellationToken ct)
    {
        int round = context.Round;
        SecureAggregationSettings settings = _strategy.Settings;
        var skipped = new TrainOutcome(global, 0, true);
        long bytes = 0;
        if (TooFew(round, "sampling", instructions.Count))
        {
            return skipped;
        }

        // Stage 0, setup: every sampled node makes its keys.
        var keys = new Dictionary<SiteId, SiteKeys>();
        var signed = new Dictionary<SiteId, (byte[] NodeKey, byte[] Signature)>();
        var examples = new Dictionary<SiteId, long>();
        await StageAsync(SecAggPlusKeys.StageSetup, round, failures, instructions.Select(i => (i.Site, Message(round, new ConfigRecord
        {
            { SecAggPlusKeys.Stage, RecordValue.Of(SecAggPlusKeys.StageSetup) },
            { SecAggPlusKeys.SampleNumber, RecordValue.Of((long)instructions.Count) },
            { SecAggPlusKeys.ReconstructionThreshold, RecordValue.Of(settings.ThresholdFraction) },
            { SecAggPlusKeys.ClippingRange, RecordValue.Of(settings.ClippingRange) },
            { SecAggPlusKeys.TargetRange, RecordValue.Of(settings.QuantizationRange) },
            { SecAggPlusKeys.ModRange, RecordValue.Of(SecAggPlusWire.ModRange) },
        }))), (site, configs) =>
        {
            byte[] pk1 = [.. SecAggPlusWire.Get(configs, SecAggPlusKeys.PublicKey1, RecordValueKind.Bytes).AsBytes()];
            byte[] pk2 = [.. SecAggPlusWire.Get(configs, SecAggPlusKeys.PublicKey2, RecordValueKind.Bytes).AsBytes()];
            if (!IsP256PublicKey(pk1) || !IsP256PublicKey(pk2) || pk1.AsSpan().SequenceEqual(pk2))
            {
                return "pk1 and pk2 must be two different P-256 public keys (X.509 SubjectPublicKeyInfo)";
            }

            // A node's signature over its keys is relayed, not checked: the neighbours check it against their own list of peers.
            bool hasKey = configs.TryGetValue(SecAggPlusKeys.NodePublicKey, out RecordValue? nodeKey), hasSignature = configs.TryGetValue(SecAggPlusKeys.KeySignature, out RecordValue? signature);
            if (hasKey || hasSignature)
            {
                if (nodeKey?.Kind != RecordValueKind.Bytes || signature?.Kind != RecordValueKind.Bytes
                    || nodeKey.AsBytes().Length is 0 or > SecAggPlusWire.MaxIdentityBytes || signature.AsBytes().Length is 0 or > SecAggPlusWire.MaxIdentityBytes)
                {
                    return SiteFlowerApp.Invariant($"{SecAggPlusKeys.NodePublicKey} and {SecAggPlusKeys.KeySignature} must come together, as bytes of 1 to {SecAggPlusWire.MaxIdentityBytes} each");
                }

                signed[site] = ([.. nodeKey.AsBytes()], [.. signature.AsBytes()]);
            }

            keys[site] = new SiteKeys(site, EncryptionKey: pk2, MaskKey: pk1);
            examples[site] = configs.TryGetValue(SecAggPlusKeys.TrainExamples, out RecordValue? n) && n.Kind == RecordValueKind.SInt64 ? n.AsInt64() : 0;
            bytes += pk1.Length + pk2.Length;
            return null;
        }, ct).ConfigureAwait(false);
        if (TooFew(round, "setup", keys.Count))
        {
            return skipped;
        }

        SecureAggregationServer server;
        try
        {
            server = new SecureAggregationServer([.. keys.Keys.Order()], settings, round, context.Random);
        }
        catch (SecureAggregationException e)
        {
            _logger.LogWarning("Round {Round}: secure aggregation skipped: {Reason}", round, e.Message);
            return skipped;
        }

        foreach (SiteKeys k in keys.Values)
        {
            server.CollectKeys(k);
        }

        // Stage 1, share_keys: each node gets its neighbours' keys (and its own, to check) and sends its shares, encrypted to them.
        var shared = new HashSet<SiteId>();
        await StageAsync(SecAggPlusKeys.StageShareKeys, round, failures, server.Sites.Select(site =>
        {
            var configs = new ConfigRecord { { SecAggPlusKeys.Stage, RecordValue.Of(SecAggPlusKeys.StageShareKeys) } };
            foreach (SiteKeys k in server.KeysFor(site).Append(keys[site]))
            {
                configs.Add(FleetFederation.NodeOf(k.Site).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    signed.TryGetValue(k.Site, out var s) ? RecordValue.OfList([k.MaskKey, k.EncryptionKey, s.NodeKey, s.Signature]) : RecordValue.OfList([k.MaskKey, k.EncryptionKey]));
            }

            return (site, Message(round, configs));
        }), (site, configs) =>
        {
            ulong[] destinations = SecAggPlusWire.NodeIds(configs, SecAggPlusKeys.DestinationList);
            byte[][] ciphertexts = SecAggPlusWire.Bytes(configs, SecAggPlusKeys.CiphertextList);
            var neighbours = server.NeighboursOf(site).Select(FleetFederation.NodeOf).ToHashSet();
            if (destinations.Length != ciphertexts.Length || destinations.Any(d => !neighbours.Contains(d)) || destinations.Distinct().Count() != neighbours.Count)
            {
                return SiteFlowerApp.Invariant($"{destinations.Length} share(s) for {destinations.Distinct().Count()} node(s); expected one for each of its {neighbours.Count} neighbour(s)");
            }

            server.CollectShares(site, destinations.Zip(ciphertexts, (to, ciphertext) => new EncryptedShare(site, FleetFederation.SiteOf(to), ciphertext)));
            shared.Add(site);
            bytes += ciphertexts.Sum(c => (long)c.Length);
            return null;
        }, ct).ConfigureAwait(false);
        if (TooFew(round, "share_keys", shared.Count))
        {
            return skipped;
        }

        // Stage 2, collect_masked_vectors: each node gets the model and its mailbox, trains, and sends its update masked.
        double maxWeight = settings.MaxWeight ?? Math.Max(1, examples.Where(e => shared.Contains(e.Key)).Max(e => e.Value));
        int length = SecureFedAvg.InputLength(global);
        ParameterSet counterModel = global.Where(a => a.DataType == ParameterDataType.Int64);
        var counters = new List<TrainReply>();
        ArrayRecord model = global.ToArrayRecord();
        await StageAsync(SecAggPlusKeys.StageCollectMaskedVectors, round, failures, instructions.Where(i => shared.Contains(i.Site)).Select(i =>
        {
            IReadOnlyList<EncryptedShare> mailbox = server.SharesFor(i.Site);
            return (i.Site, new RecordDict
            {
                { RecordKeys.Arrays, model },
                { RecordKeys.Config, SiteFlowerApp.ToConfigRecord(i.Config, round) },
                {
                    SecAggPlusKeys.ConfigRecord, new ConfigRecord
                    {
                        { SecAggPlusKeys.Stage, RecordValue.Of(SecAggPlusKeys.StageCollectMaskedVectors) },
                        { SecAggPlusKeys.CiphertextList, RecordValue.OfList(mailbox.Select(s => s.Ciphertext)) },
                        { SecAggPlusKeys.SourceList, RecordValue.OfList(mailbox.Select(s => FleetFederation.NodeOf(s.From))) },
                        { SecAggPlusKeys.MaxWeight, RecordValue.Of(maxWeight) },
                    }
                },
            });
        }), (site, content) =>
        {
            if (!content.TryGet(SecAggPlusKeys.MaskedRecord, out ArrayRecord? masked) || !masked.TryGetValue(SecAggPlusKeys.MaskedParameters, out NpyArray? vector))
            {
                return SiteFlowerApp.Invariant($"reply without the masked vector ({SecAggPlusKeys.MaskedRecord}.{SecAggPlusKeys.MaskedParameters})");
            }

            if (vector.DType != NpyDType.UInt32 || vector.Shape.Length != 1 || vector.ElementCount != length)
            {
                return SiteFlowerApp.Invariant($"the masked vector is {vector}; expected uint32[{length}]");
            }

            ParameterSet? own = ParameterSet.Empty;
            if (counterModel.Count > 0)
            {
                if (!content.TryGet(RecordKeys.Arrays, out ArrayRecord? arrays))
                {
                    return "reply without the int64 step counters (arrays)";
                }

                if (!UpdateValidator.TryRead(arrays, counterModel.Layout, out own, out string? problem))
                {
                    return "the int64 step counters: " + problem;
                }
            }

            var (values, n) = FleetFederation.Read(content);
            server.CollectMasked(new MaskedInput(site, vector.ToArray<uint>()));
            counters.Add(new TrainReply(site, new SiteUpdate(own, ParameterKind.Full, n, values)));
            trainMetrics[site] = values;
            bytes += 4L * length;
            return null;
        }, ct).ConfigureAwait(false);
        model = null!; // the service holds the encoded objects now

        int survivors = server.Survivors.Count;
        if (TooFew(round, "collect_masked_vectors", survivors) || CannotUnmask(server, settings, round))
        {
            return skipped;
        }

        // Stage 3, unmask: the survivors send a share of each surviving neighbour's self-mask seed and of each dropped neighbour's mask key.
        var survivorList = server.Survivors.Order().ToList();
        IReadOnlyList<SiteId> dropped = server.Dropped;
        var replies = new List<UnmaskReply>();
        await StageAsync(SecAggPlusKeys.StageUnmask, round, failures, survivorList.Select(site => (site, Message(round, new ConfigRecord
        {
            { SecAggPlusKeys.Stage, RecordValue.Of(SecAggPlusKeys.StageUnmask) },
            { SecAggPlusKeys.ActiveNodeIdList, SecAggPlusWire.OfNodes(survivorList) },
            { SecAggPlusKeys.DeadNodeIdList, SecAggPlusWire.OfNodes(dropped) },
        }))), (site, configs) =>
        {
            ulong[] owners = SecAggPlusWire.NodeIds(configs, SecAggPlusKeys.NodeIdList);
            byte[][] shares = SecAggPlusWire.Bytes(configs, SecAggPlusKeys.ShareList);
            if (owners.Length != shares.Length)
            {
                return SiteFlowerApp.Invariant($"{owners.Length} owner(s) for {shares.Length} share(s)");
            }

            var selfMasks = new Dictionary<SiteId, ShamirShare>();
            var maskKeys = new Dictionary<SiteId, ShamirShare>();
            for (int i = 0; i < owners.Length; i++)
            {
                SiteId owner = FleetFederation.SiteOf(owners[i]);
                var into = server.Survivors.Contains(owner) ? selfMasks : dropped.Contains(owner) ? maskKeys : null;
                if (into is null || !into.TryAdd(owner, SecAggPlusWire.DecodeShare(shares[i])))
                {
                    return SiteFlowerApp.Invariant($"a share of {owner}, which is neither a survivor nor dropped, or sent twice");
                }
            }

            replies.Add(new UnmaskReply(site, selfMasks, maskKeys));
            bytes += shares.Sum(s => (long)s.Length) + (8L * owners.Length);
            return null;
        }, ct).ConfigureAwait(false);

        uint[] sum;
        try
        {
            sum = server.Unmask(replies);
        }
        catch (SecureAggregationException e)
        {
            _logger.LogWarning("Round {Round}: secure aggregation skipped: {Reason}", round, e.Message);
            return skipped;
        }

        var secureSum = new SecureSum(Quantizer.DequantizeSum(sum, survivors, settings.ClippingRange, settings.QuantizationRange), survivorList, dropped, bytes);
        try
        {
            ParameterSet next = _strategy.ApplySum(context, global, secureSum, counters);
            _logger.LogInformation("Round {Round}: secure aggregation of {Survivors} node(s), {Dropped} dropped after sharing keys; {Bytes} bytes of protocol and masked updates from the nodes",
                round, survivors, dropped.Count, bytes);
            return new TrainOutcome(next, survivors, false);
        }
        catch (AggregationException e)
        {
            _logger.LogWarning("Round {Round}: aggregation skipped: {Reason}", round, e.Message);
            return skipped;
        }
    }

    // A stage whose replies carry only the stage's config record.
    private Task StageAsync(string stage, int round, List<SiteFailure> failures, IEnumerable<(SiteId Site, RecordDict Content)> messages,
        Func<SiteId, ConfigRecord, string?> accept, CancellationToken ct)
        => StageAsync(stage, round, failures, messages, (site, content) => content.TryGet(SecAggPlusKeys.ConfigRecord, out ConfigRecord? configs)
            ? accept(site, configs)
            : "reply without the secure aggregation record " + SecAggPlusKeys.ConfigRecord, ct);

    // Sends one stage, collects its replies through FleetFederation, and names the stage in the failures it recorded.
    private async Task StageAsync(string stage, int round, List<SiteFailure> failures, IEnumerable<(SiteId Site, RecordDict Content)> messages,
        Func<SiteId, RecordDict, string?> accept, CancellationToken ct)
    {
        int before = failures.Count;
        var sent = _send(messages.Select(m => (m.Site, Step, m.Content)), round, failures);
        await _collect(sent, round, Step, failures, (site, content) =>
        {
            try
            {
                return accept(site, content);
            }
            catch (Exception e) when (e is FlowerProtocolException or SecureAggregationException)
            {
                return e.Message;
            }
        }, ct).ConfigureAwait(false);
        for (int i = before; i < failures.Count; i++)
        {
            failures[i] = failures[i] with { Reason = stage + ": " + failures[i].Reason };
        }
    }

    private bool TooFew(int round, string stage, int left)
    {
        int needed = Math.Max(2, _strategy.MinTrainSites);
        if (left >= needed)
        {
            return false;
        }

        _logger.LogWarning("Round {Round}: secure aggregation skipped: {Left} node(s) left after {Stage}, at least {Needed} are needed (a sum of one update is that update)", round, left, stage, needed);
        return true;
    }

    // Flower's _check_threshold, before any share is asked for: every survivor's self-mask seed and every dropped node's mask key
    // must have enough surviving holders, or the survivors would reveal shares for a sum that cannot be unmasked.
    private bool CannotUnmask(SecureAggregationServer server, SecureAggregationSettings settings, int round)
    {
        var alive = server.Survivors.ToHashSet();
        var needs = alive.Order().Select(s => (Owner: s, Secret: "self-mask seed", Holders: server.NeighboursOf(s).Count(alive.Contains) + 1, Of: server.NeighboursOf(s).Count + 1))
            .Concat(server.Dropped.Select(d => (Owner: d, Secret: "mask private key", Holders: server.NeighboursOf(d).Count(alive.Contains), Of: server.NeighboursOf(d).Count + 1)))
            .Where(n => n.Holders > 0);
        foreach (var (owner, secret, holders, of) in needs)
        {
            int threshold = settings.Threshold(of);
            if (holders < threshold)
            {
                _logger.LogWarning("Round {Round}: secure aggregation skipped: {Holders} holder(s) of {Owner}'s {Secret} survived, the threshold is {Threshold} ({Survivors} of {Sites} nodes sent their masked update); the round's sum stays hidden",
                    round, holders, owner, secret, threshold, alive.Count, server.Sites.Count);
                return true;
            }
        }

        return false;
    }

    private static bool IsP256PublicKey(byte[] key)
    {
        try
        {
            using var ecdh = System.Security.Cryptography.ECDiffieHellman.Create();
            ecdh.ImportSubjectPublicKeyInfo(key, out int read);
            return read == key.Length && ecdh.ExportParameters(false).Curve.Oid.Value == System.Security.Cryptography.ECCurve.NamedCurves.nistP256.Oid.Value;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    // A stage message: the stage's config record, and the round in the usual config record (the node binds its shares to it).
    private static RecordDict Message(int round, ConfigRecord configs) => new()
    {
        { RecordKeys.Config, new ConfigRecord { { RecordKeys.ServerRound, RecordValue.Of((long)round) } } },
        { SecAggPlusKeys.ConfigRecord, configs },
    };
}
