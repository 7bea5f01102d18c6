namespace Flip.Imaging.Fuzzing;

/// <summary>A mutant that broke a rule: an exception other than the typed format errors, an allocation out of proportion to the file, or a case that did not finish in time.</summary>
/// <param name="Kind"><c>crash</c>, <c>allocation</c> or <c>hang</c>.</param>
/// <param name="Signature">What identifies the bug: exception type and the top frame in our code, or the kind and seed.</param>
/// <param name="Case">The case number (reproducible from the run's seed).</param>
/// <param name="SeedName">The seed mutated.</param>
/// <param name="Mutations">The mutations applied.</param>
/// <param name="Detail">The exception text, or the bytes allocated against the budget.</param>
/// <param name="Input">The mutant bytes.</param>
/// <param name="SavedAs">Where the input was saved, when an output folder was given.</param>
public sealed record DicomFuzzFinding(string Kind, string Signature, long Case, string SeedName, IReadOnlyList<DicomMutation> Mutations, string Detail, byte[] Input, string? SavedAs);
