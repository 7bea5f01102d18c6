namespace Flip.Datasets.Samples;

/// <summary>A patient as training sees it: the pseudonymous key and the patient-level label.</summary>
/// <param name="Key">Pseudonymous key (no identifier from the hospital's records).</param>
/// <param name="IsCsPca">Clinically significant cancer (ISUP ≥ 2).</param>
public sealed record SamplePatient(string Key, bool IsCsPca);
