namespace Flip.Datasets.DicomWeb;

/// <summary>The authentication scheme of a DICOMweb endpoint.</summary>
public enum DicomWebAuthKind
{
    /// <summary>No Authorization header.</summary>
    None,

    /// <summary>HTTP basic (RFC 7617).</summary>
    Basic,

    /// <summary>A bearer token (RFC 6750).</summary>
    Bearer,
}
