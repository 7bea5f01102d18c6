namespace Flip.Datasets.Manifests;

/// <summary>
/// A dataset manifest: which cohort, which hospitals, where each hospital's images are, how series map to
/// channels, where labels come from and how patients are split. Version 1 of the format; its JSON Schema is
/// <c>datasets-manifests/schema/manifest.v1.schema.json</c>.
/// </summary>
/// <remarks>
/// Paths in the file are relative to the manifest's folder and become absolute here. A manifest never holds a
/// secret: DICOMweb credentials are named by environment variable. <see cref="Load"/> checks the structure;
/// <see cref="Validate"/> also checks that the data is where the manifest says.
/// </remarks>
/// <param name="Path">Absolute path of the manifest file.</param>
/// <param name="Version">Format version (1).</param>
/// <param name="Cohort">What the data set is.</param>
/// <param name="Channels">Image channels, in order; the first required one is the grid the others are resampled onto.</param>
/// <param name="Labels">Patient table and masks.</param>
/// <param name="Sites">Hospitals, in display order.</param>
/// <param name="Splits">How patients are split, or <see langword="null"/> for the caller's default.</param>
public sealed record Manifest(string Path, int Version, CohortDescription Cohort, IReadOnlyList<ChannelRule> Channels,
    LabelSource Labels, IReadOnlyList<ManifestSite> Sites, SplitRule? Splits)
{
    /// <summary>The manifest's folder, which relative paths in the file start from.</summary>
    public string Folder => System.IO.Path.GetDirectoryName(Path)!;

    /// <summary>The required channels, in order (what a simulation trains on).</summary>
    public IReadOnlyList<ChannelRule> RequiredChannels => [.. Channels.Where(c => c.Required)];

    /// <summary>Reads a manifest and checks its structure; every problem is reported at once.</summary>
    /// <param name="path">The manifest file.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="ManifestException">The file is missing, not JSON, or has problems (all listed, each with line and JSON path).</exception>
    public static Manifest Load(string path)
    {
        var (manifest, problems) = Read(path, checkData: false);
        return manifest ?? throw new ManifestException(path, problems);
    }

    /// <summary>Checks a manifest: its structure and, when <paramref name="checkData"/>, that every folder source and the patient table exist.</summary>
    /// <param name="path">The manifest file.</param>
    /// <param name="checkData">Also check that the data is present (a missing folder says where to get the data).</param>
    /// <returns>Every problem, in file order; empty when the manifest is usable.</returns>
    public static IReadOnlyList<ManifestProblem> Validate(string path, bool checkData = true) => Read(path, checkData).Problems;

    /// <summary>The message for data that is not where the manifest says: where to get it.</summary>
    /// <returns>One sentence naming the download address, or asking for the path to be fixed.</returns>
    public string WhereToGetData() => WhereToGet(Cohort.Download);

    internal static string WhereToGet(DownloadInfo? download)
        => download is null
            ? "Put the data there, or change the path in the manifest."
            : $"Get the data from {download.Url}{(download.Instructions is null ? string.Empty : " (" + download.Instructions.TrimEnd('.') + ")")}, or change the path in the manifest.";

    private static (Manifest? Manifest, IReadOnlyList<ManifestProblem> Problems) Read(string path, bool checkData)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return (null, [new ManifestProblem(System.IO.Path.GetFileName(path), 0, "$", $"the manifest file '{path}' does not exist; expected a JSON manifest. Check the path.")]);
        }

        return ManifestReader.Read(path, File.ReadAllBytes(path), checkData);
    }
}
