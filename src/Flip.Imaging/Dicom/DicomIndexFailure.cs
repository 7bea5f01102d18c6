namespace Flip.Imaging.Dicom;

/// <summary>A file <see cref="DicomIndex"/> could not read.</summary>
/// <param name="File">The file.</param>
/// <param name="Message">Why, as the reader's error says it (with offset and tag).</param>
public sealed record DicomIndexFailure(string File, string Message);
