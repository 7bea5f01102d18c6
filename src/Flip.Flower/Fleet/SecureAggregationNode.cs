using Flip.Federated;
using Flip.Federated.SecureAggregation;
using Flip.Flower.Auth;
using Flip.Flower.Npy;
using Flip.Flower.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ConfigRecord = Flip.Flower.Records.ConfigRecord;

namespace Flip.Flower.Fleet;

/// <summary>
/// A node's side of SecAgg+ over the Fleet API: the state of one round kept across its four <c>train</c>
/// messages (setup, share_keys, collect_masked_vectors, unmask), as Flower's <c>secaggplus_mod</c> keeps
/// it in the node's context. The keys, the self-mask seed and the shares held never leave the node
/// except as encrypted shares and as the unmask shares the protocol allows.
/// </summary>
/// <remarks>
/// The node trains in collect_masked_vectors, as Flower does, and replies with the masked vector, its
/// example count and metrics; the update itself never leaves (int64 step counters, BatchNorm's
/// <c>num_batches_tracked</c>, travel in the clear as in the simulation). It answers one instruction at a
/// time, as <see cref="FlowerNode"/> runs them. Any failure forgets the round's state; the error reply
/// makes the server count the node as dropped.
/// <para>With a node identity the node signs its two public keys at setup (<see cref="SecAggPlusKeys.KeySignature"/>, over
/// <see cref="SecAggPlusWire.KeysToSign"/>). With a list of peer keys it accepts a neighbour in share_keys only when that
/// neighbour's keys are signed, for this run, round and node id, by a key on the list, and no key signs for two seats: a server
/// can then no longer add neighbours of its own making (sybils) to learn a node's update. The list comes from the consortium,
/// not from the server; without it the node trusts the keys the server relays, as Flower's <c>secaggplus_mod</c> does.</para>
/// </remarks>
internal sealed class SecureAggregationNode
{
    private static readonly string[] Stages = [SecAggPlusKeys.StageSetup, SecAggPlusKeys.StageShareKeys, SecAggPlusKeys.StageCollectMaskedVectors, SecAggPlusKeys.StageUnmask];

    private readonly Func<FlowerInstruction, CancellationToken, Task<(ParameterSet Global, SiteUpdate Update)>> _train;
    private readonly Func<long> _trainExamples;
    private readonly ILogger _logger;
    private readonly NodeIdentity? _identity;
    private readonly NodeAllowList? _peers;
    private SecureAggregationSite? _site;
    private double _clippingRange;
    private SiteKeys? _keys;
    private long _round;
    private string _stage = SecAggPlusKeys.StageUnmask;

    /// <summary>Creates the node's state.</summary>
    /// <param name="train">Trains the site from a train instruction's global model: the global model as received and the site's update.</param>
    /// <param name="trainExamples">The site's training example count, announced at setup.</param>
    /// <param name="logger">Receives a warning, on the node only, when the update had to be clipped to the server's clipping range; <see langword="null"/> for none.</param>
    /// <param name="identity">The node's identity key, to sign its secure aggregation keys; <see langword="null"/> to send them unsigned.</param>
    /// <param name="peers">The node keys of the federation's nodes; when set, every neighbour's keys must be signed by one of them.</param>
    /// <exception cref="ArgumentException"><paramref name="peers"/> is set without <paramref name="identity"/> (the neighbours could not check this node in turn).</exception>
    public SecureAggregationNode(Func<FlowerInstruction, CancellationToken, Task<(ParameterSet Global, SiteUpdate Update)>> train, Func<long> trainExamples, ILogger? logger = null,
        NodeIdentity? identity = null, NodeAllowList? peers = null)
    {
        if (peers is not null && identity is null)
        {
            throw new ArgumentException("a node that checks its peers' key signatures signs its own keys too; give its identity.", nameof(identity));
        }

        _train = train;
        _trainExamples = trainExamples;
        _logger = logger ?? NullLogger.Instance;
        _identity = identity;
        _peers = peers;
    }

    /// <summary>Whether an instruction is a secure aggregation stage.</summary>
    public static bool Handles(FlowerInstruction instruction) => SecAggPlusKeys.StageOf(instruction.Content) is not null;

    /// <summary>Answers one stage.</summary>
    /// <exception cref="FlowerProtocolException">A key is missing or of the wrong type, or the stage is out of order.</exception>
    /// <exception cref="SecureAggregationException">The settings, keys or shares are not what the protocol allows.</exception>
    public async Task<RecordDict> HandleAsync(FlowerInstruction instruction, CancellationToken ct)
    {
        ConfigRecord configs = SecAggPlusWire.Configs(instruction.Content);
        string stage = SecAggPlusWire.Get(configs, SecAggPlusKeys.Stage, RecordValueKind.String).AsString();
        long round = instruction.ServerRound ?? throw FlowerProtocolException.BadMessage(instruction.MessageType, "config." + RecordKeys.ServerRound, "missing; every secure aggregation stage names its round");
        SiteId self = FleetFederation.SiteOf(instruction.Message.Metadata.DstNodeId);
        CheckOrder(instruction, stage, round);
        try
        {
            RecordDict reply = stage switch
            {
                SecAggPlusKeys.StageSetup => Setup(configs, self, round, instruction),
                SecAggPlusKeys.StageShareKeys => ShareKeys(configs, self, instruction.RunId),
                SecAggPlusKeys.StageCollectMaskedVectors => await CollectMaskedVectorsAsync(instruction, configs, self, ct).ConfigureAwait(false),
                _ => Unmask(configs),
            };
            _stage = stage;
            if (stage == SecAggPlusKeys.StageUnmask)
            {
                Forget();
            }

            return reply;
        }
        catch
        {
            Forget();
            throw;
        }
    }

    private void CheckOrder(FlowerInstruction instruction, string stage, long round)
    {
        int index = Array.IndexOf(Stages, stage);
        if (index < 0)
        {
            throw FlowerProtocolException.BadMessage(instruction.MessageType, SecAggPlusKeys.ConfigRecord + "." + SecAggPlusKeys.Stage, SiteFlowerApp.Invariant($"'{stage}'; expected one of {string.Join(", ", Stages)}"));
        }

        // Setup may always come (a new round, or the server starting a round again); the others only in order, in the same round.
        string expected = Stages[(Array.IndexOf(Stages, _stage) + 1) % Stages.Length];
        if (index > 0 && (_site is null || stage != expected || round != _round))
        {
            string state = _site is null ? "no secure aggregation round in progress" : SiteFlowerApp.Invariant($"round {_round} expects {expected}");
            Forget();
            throw FlowerProtocolException.BadMessage(instruction.MessageType, SecAggPlusKeys.ConfigRecord + "." + SecAggPlusKeys.Stage,
                SiteFlowerApp.Invariant($"{stage} for round {round}, but {state}; the node takes no further part in this round"));
        }
    }

    private RecordDict Setup(ConfigRecord configs, SiteId self, long round, FlowerInstruction instruction)
    {
        Forget();
        long sampled = SecAggPlusWire.Get(configs, SecAggPlusKeys.SampleNumber, RecordValueKind.SInt64).AsInt64();
        var settings = new SecureAggregationSettings
        {
            ThresholdFraction = SecAggPlusWire.Get(configs, SecAggPlusKeys.ReconstructionThreshold, RecordValueKind.Double).AsDouble(),
            ClippingRange = SecAggPlusWire.Get(configs, SecAggPlusKeys.ClippingRange, RecordValueKind.Double).AsDouble(),
            QuantizationRange = SecAggPlusWire.Get(configs, SecAggPlusKeys.TargetRange, RecordValueKind.SInt64).AsInt64(),
        };
        long modulus = SecAggPlusWire.Get(configs, SecAggPlusKeys.ModRange, RecordValueKind.SInt64).AsInt64();
        var problems = settings.Validate((int)Math.Clamp(sampled, 1, int.MaxValue)).ToList();
        if (modulus != SecAggPlusWire.ModRange)
        {
            problems.Add(SiteFlowerApp.Invariant($"mod_range must be 2³² (got {modulus})."));
        }

        if (sampled < 2)
        {
            problems.Add(SiteFlowerApp.Invariant($"sample_num must be ≥ 2 (got {sampled}); a sum of one update is that update."));
        }

        if (problems.Count > 0)
        {
            throw new SecureAggregationException(SiteFlowerApp.Invariant($"Round {round}: {self} refuses the server's secure aggregation settings: {string.Join(" ", problems)}"));
        }

        _site = new SecureAggregationSite(self, settings, (int)round);
        _clippingRange = settings.ClippingRange;
        _keys = _site.Setup();
        _round = round;
        var reply = new ConfigRecord
        {
            { SecAggPlusKeys.PublicKey1, RecordValue.Of(_keys.MaskKey) },
            { SecAggPlusKeys.PublicKey2, RecordValue.Of(_keys.EncryptionKey) },
            { SecAggPlusKeys.TrainExamples, RecordValue.Of(_trainExamples()) },
        };
        if (_identity is not null)
        {
            byte[] signed = SecAggPlusWire.KeysToSign(instruction.RunId, round, instruction.Message.Metadata.DstNodeId, _keys.MaskKey, _keys.EncryptionKey);
            reply.Add(SecAggPlusKeys.NodePublicKey, RecordValue.Of(_identity.PublicKeyPem));
            reply.Add(SecAggPlusKeys.KeySignature, RecordValue.Of(_identity.SignData(signed)));
        }

        return Reply(reply);
    }

    private RecordDict ShareKeys(ConfigRecord configs, SiteId self, ulong runId)
    {
        var neighbours = new List<SiteKeys>();
        var signers = new HashSet<string>(StringComparer.Ordinal) { _identity?.Fingerprint ?? string.Empty };
        bool ownKeysEchoed = false;
        foreach (var (key, value) in configs)
        {
            if (key == SecAggPlusKeys.Stage)
            {
                continue;
            }

            if (!ulong.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong node)
                || value.Kind != RecordValueKind.BytesList || value.AsBytesList().Length is not (2 or 4))
            {
                throw FlowerProtocolException.BadMessage("train", SecAggPlusKeys.ConfigRecord + "." + key,
                    "expected a node id holding a list of two public keys [pk1, pk2], or four with the node's identity key and signature [pk1, pk2, node key, signature]");
            }

            var entry = value.AsBytesList();
            var keys = new SiteKeys(FleetFederation.SiteOf(node), EncryptionKey: entry[1].AsSpan().ToArray(), MaskKey: entry[0].AsSpan().ToArray());
            if (keys.Site == self)
            {
                ownKeysEchoed = keys.MaskKey.AsSpan().SequenceEqual(_keys!.MaskKey) && keys.EncryptionKey.AsSpan().SequenceEqual(_keys.EncryptionKey);
                continue;
            }

            if (_peers is not null && UnauthorizedNeighbour(runId, node, keys, entry, signers) is { } reason)
            {
                throw new SecureAggregationException(SiteFlowerApp.Invariant(
                    $"Round {_round}: {self} refuses the keys of neighbour node {node}: {reason}; it shares nothing in this round (its peers are the keys in {_peers.Source})."));
            }

            neighbours.Add(keys);
        }

        var all = neighbours.SelectMany(k => new[] { Convert.ToHexString(k.MaskKey), Convert.ToHexString(k.EncryptionKey) }).Append(Convert.ToHexString(_keys!.MaskKey)).Append(Convert.ToHexString(_keys.EncryptionKey)).ToList();
        if (!ownKeysEchoed || all.Distinct(StringComparer.Ordinal).Count() != all.Count)
        {
            throw new SecureAggregationException(SiteFlowerApp.Invariant($"Round {_round}: {self} received public keys in which its own are missing or altered, or two keys are equal; it takes no further part in this round."));
        }

        var shares = _site!.ShareKeys(neighbours);
        return Reply(new ConfigRecord
        {
            { SecAggPlusKeys.DestinationList, RecordValue.OfList(shares.Select(s => FleetFederation.NodeOf(s.To))) },
            { SecAggPlusKeys.CiphertextList, RecordValue.OfList(shares.Select(s => s.Ciphertext)) },
        });
    }

    /// <summary>Why a neighbour's keys are not from a listed peer (not signed, signed by an unlisted key, a bad signature, or a key signing for two seats), or <see langword="null"/> when they are.</summary>
    private string? UnauthorizedNeighbour(ulong runId, ulong node, SiteKeys keys, System.Collections.Immutable.ImmutableArray<System.Collections.Immutable.ImmutableArray<byte>> entry, HashSet<string> signers)
    {
        if (entry.Length != 4)
        {
            return "they are not signed (expected [pk1, pk2, node key, signature])";
        }

        ReadOnlySpan<byte> nodeKey = entry[2].AsSpan();
        if (!_peers!.Contains(nodeKey, out string fingerprint))
        {
            return $"they are signed by node key {fingerprint}, which is not one of its peers";
        }

        if (!NodeIdentity.VerifyData(nodeKey, SecAggPlusWire.KeysToSign(runId, _round, node, keys.MaskKey, keys.EncryptionKey), entry[3].AsSpan()))
        {
            return $"the signature of node key {fingerprint} does not verify for this run, round and node id";
        }

        return signers.Add(fingerprint) ? null : $"node key {fingerprint} also signs for another seat in this round";
    }

    // Values outside [−c, c] are clipped before quantising, which changes the update the server sums: say so here, on the node
    // (the count and the largest magnitude stay in the node's log; nothing of it is sent).
    private void WarnIfClipped(double[] input, SiteId self, long round)
    {
        int clipped = 0;
        double largest = 0;
        foreach (double value in input)
        {
            double magnitude = Math.Abs(value);
            largest = Math.Max(largest, magnitude);
            clipped += magnitude > _clippingRange ? 1 : 0;
        }

        if (clipped > 0)
        {
            _logger.LogWarning("Round {Round}: {Site}: {Clipped} of {Count} weighted update values lie outside the server's clipping range ±{Range} (largest {Largest:G3}) and were clipped; the secure sum differs from this update there. Lower the learning rate or local epochs, or raise the clipping range",
                round, self, clipped, input.Length, _clippingRange, largest);
        }
    }

    private async Task<RecordDict> CollectMaskedVectorsAsync(FlowerInstruction instruction, ConfigRecord configs, SiteId self, CancellationToken ct)
    {
        byte[][] ciphertexts = SecAggPlusWire.Bytes(configs, SecAggPlusKeys.CiphertextList);
        ulong[] sources = SecAggPlusWire.NodeIds(configs, SecAggPlusKeys.SourceList);
        double maxWeight = SecAggPlusWire.Get(configs, SecAggPlusKeys.MaxWeight, RecordValueKind.Double).AsDouble();
        if (ciphertexts.Length != sources.Length || !(maxWeight > 0) || !double.IsFinite(maxWeight))
        {
            throw FlowerProtocolException.BadMessage(instruction.MessageType, SecAggPlusKeys.ConfigRecord,
                SiteFlowerApp.Invariant($"{ciphertexts.Length} ciphertexts from {sources.Length} sources and max_weight {maxWeight}; expected one source per ciphertext and a finite max_weight > 0"));
        }

        _site!.ReceiveShares(sources.Zip(ciphertexts, (source, ciphertext) => new EncryptedShare(FleetFederation.SiteOf(source), self, ciphertext)));
        (ParameterSet global, SiteUpdate update) = await _train(instruction, ct).ConfigureAwait(false);
        double[] input = SecureFedAvg.SiteInput(global, self, update, maxWeight);
        WarnIfClipped(input, self, _round);
        MaskedInput masked = _site.MaskInput(input);
        var reply = new RecordDict
        {
            { SecAggPlusKeys.MaskedRecord, new ArrayRecord { { SecAggPlusKeys.MaskedParameters, NpyArray.FromValues<uint>(masked.Values, masked.Values.Length) } } },
            { RecordKeys.Metrics, SiteFlowerApp.Metrics(update.Metrics, update.ExampleCount) },
        };
        ParameterSet full = update.Kind == ParameterKind.Full ? update.Parameters : ParameterMath.Add(global, update.Parameters, self.Value);
        ParameterSet counters = full.Where(a => a.DataType == ParameterDataType.Int64);
        if (counters.Count > 0)
        {
            // Step counters count optimisation steps, not data; the simulation averages them in the clear too.
            reply.Add(RecordKeys.Arrays, counters.ToArrayRecord());
        }

        return reply;
    }

    private RecordDict Unmask(ConfigRecord configs)
    {
        var active = SecAggPlusWire.NodeIds(configs, SecAggPlusKeys.ActiveNodeIdList).Select(FleetFederation.SiteOf).ToList();
        var dead = SecAggPlusWire.NodeIds(configs, SecAggPlusKeys.DeadNodeIdList).Select(FleetFederation.SiteOf).ToList();
        if (active.Distinct().Count() < 2)
        {
            throw new SecureAggregationException(SiteFlowerApp.Invariant($"Round {_round}: {_site!.Id} was asked to unmask a sum of {active.Distinct().Count()} update(s); a sum of one update is that update, so it refuses."));
        }

        UnmaskReply shares = _site!.Unmask(active, dead);
        var owners = shares.SelfMaskShares.Concat(shares.MaskKeyShares).ToList();
        return Reply(new ConfigRecord
        {
            { SecAggPlusKeys.NodeIdList, RecordValue.OfList(owners.Select(o => FleetFederation.NodeOf(o.Key))) },
            { SecAggPlusKeys.ShareList, RecordValue.OfList(owners.Select(o => SecAggPlusWire.Encode(o.Value))) },
        });
    }

    private static RecordDict Reply(ConfigRecord configs) => new() { { SecAggPlusKeys.ConfigRecord, configs } };

    private void Forget()
    {
        _site?.Dispose();
        _site = null;
        _keys = null;
        _stage = SecAggPlusKeys.StageUnmask;
    }
}
