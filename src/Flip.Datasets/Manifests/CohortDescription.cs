namespace Flip.Datasets.Manifests;

/// <summary>The manifest's <c>cohort</c>: what the data set is and where to get it.</summary>
/// <param name="Name">Short name, e.g. <c>PI-CAI public training</c>.</param>
/// <param name="Description">One or two sentences.</param>
/// <param name="Licence">Licence of the data, e.g. <c>CC BY-NC 4.0</c>.</param>
/// <param name="Citation">How to cite the data set.</param>
/// <param name="Download">Where to get the data, or <see langword="null"/>.</param>
public sealed record CohortDescription(string Name, string Description, string? Licence, string? Citation, DownloadInfo? Download);
