namespace Flip.Flower.Fuzzing;

/// <summary>What a Fleet API fuzzing run found.</summary>
/// <param name="Cases">Cases run on the decode path.</param>
/// <param name="Accepted">Decode-path cases rebuilt into a message (a mutation can leave a reply valid).</param>
/// <param name="Refused">Decode-path cases refused with <see cref="FlowerProtocolException"/>.</param>
/// <param name="WireCases">Cases sent to a real server over loopback gRPC.</param>
/// <param name="WireStatuses">How often each gRPC status answered the wire cases' calls.</param>
/// <param name="Findings">Distinct findings (one per signature).</param>
/// <param name="FindingCases">Cases that broke a rule, counting repeats of one finding.</param>
/// <param name="PeakCaseAllocatedBytes">The most bytes one decode-path case allocated.</param>
/// <param name="PeakManagedBytes">The largest managed heap seen during the run, above its level at the start.</param>
/// <param name="RefusedByKind">Refused decode-path cases by their first mutation's kind.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record FleetFuzzReport(long Cases, long Accepted, long Refused, long WireCases, IReadOnlyDictionary<string, long> WireStatuses,
    IReadOnlyList<FleetFuzzFinding> Findings, long FindingCases, long PeakCaseAllocatedBytes, long PeakManagedBytes,
    IReadOnlyDictionary<FleetMutationKind, long> RefusedByKind, TimeSpan Elapsed);
