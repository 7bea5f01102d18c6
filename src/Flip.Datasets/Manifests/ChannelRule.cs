namespace Flip.Datasets.Manifests;

/// <summary>One image channel (T2W, ADC, DWI, PET, …) and how to find it.</summary>
/// <remarks>
/// A DICOM series is the channel when it matches every rule given: one of <see cref="SeriesDescription"/>'s
/// globs (case-insensitive), <see cref="Modality"/>, and every attribute glob. For NIfTI and MetaImage data,
/// <see cref="File"/> is a path pattern relative to the site's folder with <c>{patient}</c> (and <c>{site}</c>)
/// placeholders and <c>*</c>/<c>?</c> wildcards; <see cref="VolumeIndex"/> picks a volume of a 4-D file.
/// </remarks>
/// <param name="Name">Channel name, e.g. <c>T2W</c>.</param>
/// <param name="Required">Whether every patient must have it; a patient without a required channel is an error when loaded.</param>
/// <param name="SeriesDescription">Series Description globs, any of which matches.</param>
/// <param name="Modality">DICOM modality (MR, PT, …), or <see langword="null"/> for any.</param>
/// <param name="Attributes">DICOM keyword → glob of its value, all of which must match.</param>
/// <param name="File">File pattern for NIfTI/MHA data, or <see langword="null"/> for DICOM.</param>
/// <param name="VolumeIndex">0-based volume within a 4-D NIfTI file.</param>
public sealed record ChannelRule(string Name, bool Required, IReadOnlyList<string> SeriesDescription, string? Modality,
    IReadOnlyDictionary<string, string> Attributes, string? File, int VolumeIndex)
{
    /// <summary>Whether the channel is found by file pattern rather than among DICOM series.</summary>
    public bool IsFile => File is not null;
}
