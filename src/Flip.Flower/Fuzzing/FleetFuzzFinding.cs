namespace Flip.Flower.Fuzzing;

/// <summary>A case that broke a rule: an exception other than <see cref="FlowerProtocolException"/> (<c>crash</c>), a call answered with a status a
/// refusal never has or a server that stopped answering (<c>status</c>), or an allocation beyond the reply's budget (<c>allocation</c>).</summary>
/// <param name="Kind"><c>crash</c>, <c>status</c> or <c>allocation</c>.</param>
/// <param name="Signature">What groups cases of one bug: the exception and its first frame in FLIP's code, or the call and status.</param>
/// <param name="Case">The case number (the same seed and number give the same input).</param>
/// <param name="Path"><c>decode</c> (the server's decode path in process) or <c>wire</c> (a real server over loopback gRPC).</param>
/// <param name="Mutations">What was changed.</param>
/// <param name="Detail">The exception or status text.</param>
public sealed record FleetFuzzFinding(string Kind, string Signature, long Case, string Path, IReadOnlyList<FleetMutation> Mutations, string Detail);
