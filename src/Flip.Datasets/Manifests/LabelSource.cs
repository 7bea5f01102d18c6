namespace Flip.Datasets.Manifests;

/// <summary>The manifest's <c>labels</c>: the patient table and the mask patterns.</summary>
/// <param name="Table">Absolute path of the patient table CSV, or <see langword="null"/> when patients are found from the files (ISUP 0).</param>
/// <param name="PatientColumn">Column holding the patient id (the DICOM Patient ID, or the <c>{patient}</c> of file patterns).</param>
/// <param name="SiteColumn">Column holding the site id, or <see langword="null"/> when each site's patients are those found in its source.</param>
/// <param name="IsupColumn">Column holding the ISUP grade group (0–5; empty = 0); csPCa = ISUP ≥ 2.</param>
/// <param name="LesionMask">Pattern of the lesion mask (relative to the site's folder), or <see langword="null"/> for none.</param>
/// <param name="GlandMask">Pattern of the prostate mask, or <see langword="null"/> for none.</param>
public sealed record LabelSource(string? Table, string PatientColumn, string? SiteColumn, string IsupColumn, string? LesionMask, string? GlandMask);
