namespace Flip.Datasets;

/// <summary>What a hospital's records identify a patient by. Never leaves the site.</summary>
/// <param name="Name">Patient name (DICOM PN form, <c>FAMILY^GIVEN</c>).</param>
/// <param name="PatientId">Hospital patient id.</param>
/// <param name="BirthDate">Date of birth.</param>
public sealed record PatientIdentity(string Name, string PatientId, DateOnly BirthDate)
{
    /// <inheritdoc />
    public override string ToString() => "PatientIdentity(redacted)";
}
