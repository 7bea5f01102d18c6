namespace Flip.Datasets.Manifests;

/// <summary>One DICOM series of a site's folder, as the series index caches it.</summary>
/// <param name="PatientId">Patient ID (0010,0020); it stays at the site with the rest of the index.</param>
/// <param name="StudyInstanceUid">Study Instance UID.</param>
/// <param name="SeriesInstanceUid">Series Instance UID.</param>
/// <param name="Modality">Modality.</param>
/// <param name="Description">Series Description.</param>
/// <param name="SliceCount">Frames over all files.</param>
/// <param name="Files">The files, relative to the site's folder with '/'.</param>
public sealed record IndexedSeries(string PatientId, string StudyInstanceUid, string SeriesInstanceUid, string Modality, string Description,
    int SliceCount, IReadOnlyList<string> Files);
