namespace Flip.Flower.Fleet;

/// <summary>
/// A Fleet request that the node registry, the run registry or the message queue refuses; <see cref="FleetService"/> answers
/// the call with the gRPC status of its <see cref="Kind"/> and the message as the status detail. It never leaves the server.
/// </summary>
/// <remarks>One factory per refusal, so each text the peer reads is written once (the statuses are Flower's SuperLink's).</remarks>
internal sealed class FleetRefusedException : Exception
{
    private FleetRefusedException(Refusal kind, string detail)
        : base(detail) => Kind = kind;

    /// <summary>What kind of refusal, which decides the call's status.</summary>
    public enum Refusal
    {
        /// <summary>The request does not fit the server's state (unknown node, run or app bundle; a reply it no longer takes): <c>FAILED_PRECONDITION</c>.</summary>
        Precondition,

        /// <summary>The request is malformed or breaks a rule of the protocol: <c>INVALID_ARGUMENT</c>.</summary>
        InvalidArgument,

        /// <summary>The caller names a node that is not its own: <c>PERMISSION_DENIED</c>.</summary>
        NotPermitted,

        /// <summary>The request is over a bound the server sets (a reply's <see cref="Objects.ObjectBudget"/>): <c>RESOURCE_EXHAUSTED</c>.</summary>
        OverBudget,
    }

    /// <summary>What kind of refusal.</summary>
    public Refusal Kind { get; }

    /// <summary>A second registration of a key.</summary>
    public static FleetRefusedException KeyInUse() => new(Refusal.Precondition, "Public key already in use");

    /// <summary>A call signed by a key that registered no node (or whose node unregistered).</summary>
    public static FleetRefusedException NoNodeForKey() => new(Refusal.Precondition, "No node found for this public key");

    /// <summary>A call naming a node id other than the caller's.</summary>
    public static FleetRefusedException NotThisNode() =>
        new(Refusal.NotPermitted, "the node id in the request is not the one registered for this public key");

    /// <summary>A heartbeat interval outside the SuperLink's range.</summary>
    /// <param name="seconds">The interval asked for.</param>
    public static FleetRefusedException HeartbeatInterval(double seconds) =>
        new(Refusal.InvalidArgument, $"heartbeat_interval {seconds} s is outside 10–1800 s");

    /// <summary>A run this server never started.</summary>
    /// <param name="runId">The run asked for.</param>
    public static FleetRefusedException UnknownRun(ulong runId) => new(Refusal.Precondition, $"Run ID not found: {runId}");

    /// <summary>An app bundle this server does not serve.</summary>
    /// <param name="hash">The hash asked for.</param>
    public static FleetRefusedException UnknownFab(string hash) =>
        new(Refusal.Precondition, $"No FAB with hash {hash}; this server serves only the app bundles given to StartRun");

    /// <summary>A pushed reply without metadata.</summary>
    public static FleetRefusedException ReplyWithoutMetadata() => new(Refusal.InvalidArgument, "reply without metadata");

    /// <summary>A pushed reply failing one of the SuperLink's checks.</summary>
    /// <param name="problem">Which check.</param>
    public static FleetRefusedException InvalidReply(string problem) => new(Refusal.InvalidArgument, "Invalid reply: " + problem);

    /// <summary>A reply to an instruction whose reply was already taken or refused.</summary>
    public static FleetRefusedException AlreadyAnswered() =>
        new(Refusal.Precondition, "Invalid reply: the instruction was already answered (its reply was taken or refused)");

    /// <summary>A second, different reply to an instruction while the first is uploading.</summary>
    public static FleetRefusedException ReplyUploading() =>
        new(Refusal.Precondition, "Invalid reply: a reply to this instruction is already being uploaded; one reply per instruction");

    /// <summary>A reply whose tree announces more objects than its budget.</summary>
    /// <param name="maxObjects">The budget's <see cref="Objects.ObjectBudget.MaxObjects"/>.</param>
    public static FleetRefusedException TreeOverBudget(int maxObjects) =>
        new(Refusal.OverBudget, SiteFlowerApp.Invariant($"oversize: the reply's tree announces more than {maxObjects} objects, the most its instruction's model needs"));

    /// <summary>A reply whose uploaded bytes went over its budget (it is refused as well).</summary>
    /// <param name="reason">Why, as recorded for the reply's waiter.</param>
    public static FleetRefusedException ReplyOverBudget(string reason) => new(Refusal.OverBudget, reason);

    /// <summary>An uploaded object that no pushed reply announced.</summary>
    /// <param name="objectId">The object's id.</param>
    public static FleetRefusedException NotAnnounced(string objectId) =>
        new(Refusal.Precondition, $"object {objectId} was not announced in a pushed message's object tree");
}
