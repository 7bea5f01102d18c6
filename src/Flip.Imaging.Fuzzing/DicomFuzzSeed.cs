namespace Flip.Imaging.Fuzzing;

/// <summary>A valid DICOM file the fuzzer mutates, with the walk of its headers.</summary>
/// <param name="Name">A short name, such as <c>writer-explicit-mono16</c> or <c>dcmtk-rle</c>.</param>
/// <param name="Bytes">The file.</param>
/// <param name="Layout">Where its headers are.</param>
public sealed record DicomFuzzSeed(string Name, byte[] Bytes, DicomLayout Layout);
