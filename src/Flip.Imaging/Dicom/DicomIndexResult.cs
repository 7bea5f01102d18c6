namespace Flip.Imaging.Dicom;

/// <summary>What <see cref="DicomIndex.Scan"/> found: series, and files it could not read.</summary>
/// <param name="Series">Series, ordered by patient ID, then study and series UID.</param>
/// <param name="Failures">Unreadable files, ordered by path.</param>
public sealed record DicomIndexResult(IReadOnlyList<DicomSeriesSummary> Series, IReadOnlyList<DicomIndexFailure> Failures);
