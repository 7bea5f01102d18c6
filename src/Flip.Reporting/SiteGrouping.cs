namespace Flip.Reporting;

/// <summary>A property of a site by which fairness is summarised per group.</summary>
public enum SiteGrouping
{
    /// <summary>The hospital's country, e.g. <c>NL</c>.</summary>
    Country,

    /// <summary>The MRI scanner vendor, e.g. <c>Siemens</c>.</summary>
    Vendor,

    /// <summary>The MRI field strength, e.g. <c>3 T</c>.</summary>
    FieldStrength,
}
