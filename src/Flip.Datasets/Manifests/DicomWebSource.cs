namespace Flip.Datasets.Manifests;

/// <summary>A DICOMweb (QIDO-RS/WADO-RS) endpoint holding a site's studies.</summary>
/// <param name="Url">Base URL of the DICOMweb service.</param>
/// <param name="Auth">How to authenticate, or <see langword="null"/> for none.</param>
/// <param name="CaCertificate">Absolute path of a PEM CA certificate to trust, or <see langword="null"/>.</param>
/// <param name="Query">QIDO-RS query parameters selecting the studies (e.g. <c>ModalitiesInStudy=MR</c>).</param>
/// <param name="Masks">Absolute path of the local folder holding the site's lesion and gland masks (annotations usually live
/// beside the PACS, not in it), searched with the labels' mask patterns; <see langword="null"/> to search the fetched studies.</param>
public sealed record DicomWebSource(string Url, DicomWebAuth? Auth, string? CaCertificate, IReadOnlyDictionary<string, string> Query, string? Masks = null);
