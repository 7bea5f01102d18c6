namespace Flip.Datasets.Manifests;

/// <summary>One hospital in a manifest.</summary>
/// <param name="Id">Site id, e.g. <c>site-1</c> (lower case letters, digits and dashes).</param>
/// <param name="DisplayName">Hospital name.</param>
/// <param name="Country">Country.</param>
/// <param name="Vendor">MRI scanner vendor.</param>
/// <param name="FieldStrengthTesla">MRI field strength in tesla.</param>
/// <param name="Source">Where the site's images are.</param>
public sealed record ManifestSite(string Id, string DisplayName, string Country, string Vendor, double FieldStrengthTesla, SiteSource Source);
