using Flip.Imaging.Volumes;

namespace Flip.Imaging.Dicom;

/// <summary>One series found by <see cref="DicomIndex"/>: what <c>flip-research dicom index</c> lists.</summary>
/// <param name="PatientId">Patient ID (0010,0020).</param>
/// <param name="StudyInstanceUid">Study Instance UID (0020,000D).</param>
/// <param name="SeriesInstanceUid">Series Instance UID (0020,000E).</param>
/// <param name="Modality">Modality (0008,0060).</param>
/// <param name="Description">Series Description (0008,103E).</param>
/// <param name="SliceCount">Frames over all files of the series.</param>
/// <param name="SpacingMm">Column, row and slice spacing, when the geometry allows it; slice spacing is the median gap between slice positions.</param>
/// <param name="TransferSyntaxUid">Transfer syntax of the first file.</param>
/// <param name="Files">The files, sorted by path.</param>
public sealed record DicomSeriesSummary(string PatientId, string StudyInstanceUid, string SeriesInstanceUid, string Modality, string Description,
    int SliceCount, Vector3D? SpacingMm, string TransferSyntaxUid, IReadOnlyList<string> Files);
