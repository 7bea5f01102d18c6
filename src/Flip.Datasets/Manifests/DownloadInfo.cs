namespace Flip.Datasets.Manifests;

/// <summary>Where to get a cohort's data.</summary>
/// <param name="Url">Web page or archive address.</param>
/// <param name="Instructions">What to download and where to unpack it, or <see langword="null"/>.</param>
public sealed record DownloadInfo(string Url, string? Instructions);
