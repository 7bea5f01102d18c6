namespace Flip.Flower.Fleet;

/// <summary>
/// The record names, stage names and keys of secure aggregation on the wire: Flower's SecAgg+
/// (<c>flwr.common.secure_aggregation.secaggplus_constants</c>) where the meaning is the same, and a
/// few of FLIP's own where our protocol needs something else (marked below).
/// </summary>
/// <remarks>
/// Every stage is a <c>train</c> message whose <c>ConfigRecord</c> (<see cref="ConfigRecord"/>) carries <see cref="Stage"/>,
/// as Flower's <c>SecAggPlusWorkflow</c> sends them. The crypto suite is FLIP's (P-256 ECDH, AES-GCM
/// for the shares, AES-256-CTR masks, Shamir over GF(2⁵²¹ − 1)), not Python's, so a FLIP node cannot
/// take part in a Python <c>SecAggPlusWorkflow</c> nor a Python <c>secaggplus_mod</c> in ours.
/// </remarks>
public static class SecAggPlusKeys
{
    /// <summary>The <c>ConfigRecord</c> of every stage's instruction and reply (Flower's <c>RECORD_KEY_CONFIGS</c>).</summary>
    public const string ConfigRecord = "secaggplus_configs";

    /// <summary>
    /// FLIP: the <c>ArrayRecord</c> of a collect-masked-vectors reply, holding the masked vector as one
    /// uint32 array under <see cref="MaskedParameters"/>. Flower puts NPY bytes into the config record
    /// instead; an array record travels in 5 MiB chunks like a model.
    /// </summary>
    public const string MaskedRecord = "secaggplus_masked";

    /// <summary>The stage of an instruction (string).</summary>
    public const string Stage = "stage";

    /// <summary>The secure aggregation stage an instruction or reply belongs to, or <see langword="null"/> when it has no <see cref="ConfigRecord"/>.</summary>
    /// <param name="content">The message's content.</param>
    /// <returns>The stage name, or <see langword="null"/>.</returns>
    public static string? StageOf(Records.RecordDict content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return content.TryGet(ConfigRecord, out Records.ConfigRecord? config) && config.TryGetValue(Stage, out Records.RecordValue? stage) && stage.Kind == Records.RecordValueKind.String
            ? stage.AsString()
            : null;
    }

    /// <summary>Stage 0: publish two public keys.</summary>
    public const string StageSetup = "setup";

    /// <summary>Stage 1: receive the neighbours' public keys, send encrypted Shamir shares.</summary>
    public const string StageShareKeys = "share_keys";

    /// <summary>Stage 2: receive the shares addressed to this node, train, send the masked update.</summary>
    public const string StageCollectMaskedVectors = "collect_masked_vectors";

    /// <summary>Stage 3: send the shares the server needs to remove the masks.</summary>
    public const string StageUnmask = "unmask";

    /// <summary>Setup: how many nodes were sampled (sint64); a node checks the quantisation against it.</summary>
    public const string SampleNumber = "sample_num";

    /// <summary>
    /// FLIP, setup: the fraction of a secret's holders needed to rebuild it (double, Flower's
    /// <c>reconstruction_threshold</c> workflow setting). Flower sends the integer <c>threshold</c>; FLIP
    /// builds the neighbour graph from the nodes that answered setup, so each node derives the integer
    /// from its holder count, as the server does.
    /// </summary>
    public const string ReconstructionThreshold = "reconstruction_threshold";

    /// <summary>Setup: values are clipped to [−c, c] (double).</summary>
    public const string ClippingRange = "clipping_range";

    /// <summary>Setup: [−c, c] maps to 0 … q (sint64, Flower's quantisation range).</summary>
    public const string TargetRange = "target_range";

    /// <summary>Setup: the modulus of masked values (sint64); FLIP supports 2³² only.</summary>
    public const string ModRange = "mod_range";

    /// <summary>Collect-masked-vectors: the divisor of example counts (double). Flower sends it at setup; FLIP derives it from the setup replies.</summary>
    public const string MaxWeight = "max_weight";

    /// <summary>Setup reply: the public key of the pairwise masks (SubjectPublicKeyInfo bytes).</summary>
    public const string PublicKey1 = "pk1";

    /// <summary>Setup reply: the public key that encrypts shares to this node (SubjectPublicKeyInfo bytes).</summary>
    public const string PublicKey2 = "pk2";

    /// <summary>FLIP, setup reply: the node's training example count (sint64), so the server can set <see cref="MaxWeight"/> to the largest, as the simulation does.</summary>
    public const string TrainExamples = "train_examples";

    /// <summary>Setup reply (FLIP only): the node's identity public key, SubjectPublicKeyInfo PEM as in <c>RegisterNode</c>; relayed as the third element of the node's entry in share_keys.</summary>
    public const string NodePublicKey = "node_public_key";

    /// <summary>Setup reply (FLIP only): the node identity's ECDSA-SHA256 DER signature over (run, round, node id, pk1, pk2) (<c>SecAggPlusWire.KeysToSign</c>); relayed as the fourth element of the node's entry in share_keys.</summary>
    public const string KeySignature = "pk_signature";

    /// <summary>Share-keys reply: the node ids the ciphertexts are for (uint64 list).</summary>
    public const string DestinationList = "dsts";

    /// <summary>Share-keys reply and collect-masked-vectors instruction: the encrypted shares (bytes list).</summary>
    public const string CiphertextList = "ctxts";

    /// <summary>Collect-masked-vectors instruction: the node ids the ciphertexts come from (uint64 list).</summary>
    public const string SourceList = "srcs";

    /// <summary>The masked vector in <see cref="MaskedRecord"/>.</summary>
    public const string MaskedParameters = "masked_params";

    /// <summary>Unmask instruction: the nodes whose masked vectors arrived (uint64 list).</summary>
    public const string ActiveNodeIdList = "active_nids";

    /// <summary>Unmask instruction: the nodes that shared keys but sent no masked vector (uint64 list).</summary>
    public const string DeadNodeIdList = "dead_nids";

    /// <summary>Unmask reply: whose secret each share is of (uint64 list).</summary>
    public const string NodeIdList = "nids";

    /// <summary>Unmask reply: the shares, parallel to <see cref="NodeIdList"/> (bytes list: x as int32 little-endian, then f(x) unsigned big-endian).</summary>
    public const string ShareList = "shares";
}
