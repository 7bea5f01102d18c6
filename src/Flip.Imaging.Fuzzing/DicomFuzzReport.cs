namespace Flip.Imaging.Fuzzing;

/// <summary>What a fuzzing run did.</summary>
/// <param name="Cases">Cases run.</param>
/// <param name="Accepted">Mutants read completely without error.</param>
/// <param name="Rejected">Mutants refused with a typed format error.</param>
/// <param name="Findings">Distinct findings (one per signature).</param>
/// <param name="FindingCases">Cases that broke a rule (including repeats of a known signature).</param>
/// <param name="Elapsed">Wall time.</param>
/// <param name="PeakAllocatedBytes">The most bytes one case allocated.</param>
/// <param name="RejectionsByKind">Typed rejections per mutation family of the case's first mutation.</param>
public sealed record DicomFuzzReport(long Cases, long Accepted, long Rejected, IReadOnlyList<DicomFuzzFinding> Findings, long FindingCases, TimeSpan Elapsed, long PeakAllocatedBytes, IReadOnlyDictionary<DicomMutationKind, long> RejectionsByKind);
