namespace Flip.Datasets.Manifests;

/// <summary>Where a site's images are: a local folder, or a DICOMweb endpoint a resolver fetches into a folder.</summary>
/// <param name="Folder">Absolute path of the folder, or <see langword="null"/>.</param>
/// <param name="DicomWeb">The DICOMweb endpoint, or <see langword="null"/>.</param>
public sealed record SiteSource(string? Folder, DicomWebSource? DicomWeb)
{
    /// <inheritdoc />
    public override string ToString() => Folder is not null ? $"folder {Folder}" : $"DICOMweb {DicomWeb?.Url}";
}
