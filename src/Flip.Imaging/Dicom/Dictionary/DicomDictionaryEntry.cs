namespace Flip.Imaging.Dicom;

/// <summary>One attribute of the data dictionary (PS3.6 §6).</summary>
/// <param name="Tag">The tag.</param>
/// <param name="VR">The value representation; for attributes the standard gives two (US or SS), the one to assume in implicit syntax.</param>
/// <param name="Keyword">The keyword, such as <c>PatientName</c>.</param>
/// <param name="VM">The value multiplicity, such as <c>1</c>, <c>2</c> or <c>1-n</c>.</param>
/// <param name="IsRetired">True for a retired attribute.</param>
public sealed record DicomDictionaryEntry(DicomTag Tag, DicomVR VR, string Keyword, string VM, bool IsRetired);
