using Flip.Datasets.Manifests;
using Flip.Imaging.Dicom;

namespace Flip.Datasets.DicomWeb;

/// <summary>Resolves a manifest site whose source is a DICOMweb endpoint: queries its studies, fetches the series the manifest's channels need into the local cache, and returns that folder for the folder loader.</summary>
/// <remarks>
/// Cache layout: <c>&lt;cache&gt;/dicomweb/&lt;site&gt;/&lt;study&gt;/&lt;series&gt;/&lt;SOP Instance UID&gt;.dcm</c>. An instance already in
/// the cache is not fetched again (the key is its SOP Instance UID), so a second run only asks QIDO-RS
/// what exists, and an interrupted fetch continues where it stopped. The source's <c>query</c> are
/// study-level QIDO-RS match keys (e.g. <c>ModalitiesInStudy=MR</c>, <c>StudyDate=20240101-</c>).
/// Series are chosen by the channels' modality and series-description globs (attribute rules are
/// checked later by the loader, on the fetched headers).
/// Every UID the PACS sends is checked to be a DICOM UID before it becomes a folder or file name, and every folder to be inside
/// the cache (a PACS that sends <c>../</c> in a UID fails with <see cref="DicomWebException"/> and nothing is written for it).
/// </remarks>
public sealed class DicomWebSiteResolver : ISiteSourceResolver
{
    /// <summary>The cache subfolder of DICOMweb sites.</summary>
    public const string CacheSubfolder = "dicomweb";

    /// <summary>Settings applied to every site's client (timeouts, retries, page size); the address, auth and CA come from the manifest.</summary>
    /// <value>The defaults of <see cref="DicomWebOptions"/>.</value>
    public Func<Uri, DicomWebOptions> OptionsFor { get; init; } = uri => new DicomWebOptions { BaseUri = uri };

    /// <summary>Receives, per site, what a resolution fetched and skipped.</summary>
    /// <value><see langword="null"/>.</value>
    public IProgress<(string SiteId, DicomWebFetchResult Result)>? Progress { get; init; }

    /// <inheritdoc />
    public bool CanResolve(SiteSource source) => source?.DicomWeb is not null;

    /// <inheritdoc />
    public string Resolve(Manifest manifest, ManifestSite site, string cacheFolder, CancellationToken cancellationToken)
        => FetchAsync(manifest, site, cacheFolder, cancellationToken).GetAwaiter().GetResult().Folder;

    /// <summary>Queries the site's PACS and fetches what the manifest's channels need into the cache.</summary>
    /// <param name="manifest">The manifest (its channel rules choose the series).</param>
    /// <param name="site">A site with a DICOMweb source.</param>
    /// <param name="cacheFolder">The manifest's cache folder.</param>
    /// <param name="ct">Cancels the transfer; completed instances stay in the cache.</param>
    /// <returns>The site's cache folder and what was fetched.</returns>
    /// <exception cref="DicomWebException">The PACS refused a request, could not be reached after retries, or sent a UID that is not a DICOM UID.</exception>
    public async Task<(string Folder, DicomWebFetchResult Result)> FetchAsync(Manifest manifest, ManifestSite site, string cacheFolder, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(site);
        DicomWebSource source = site.Source.DicomWeb ?? throw new ArgumentException($"site {site.Id} has no DICOMweb source.", nameof(site));
        string folder = CachePath.Below(cacheFolder, CacheSubfolder, site.Id)
            ?? throw new ArgumentException($"site id \"{site.Id}\" is not a folder name inside the cache; expected lower-case letters, digits and dashes.", nameof(site));
        Directory.CreateDirectory(folder);
        using var client = new DicomWebClient(OptionsFor(new Uri(source.Url)) with
        {
            BaseUri = new Uri(source.Url),
            Auth = ToAuth(source.Auth),
            CaCertificateFile = source.CaCertificate,
        });
        var total = DicomWebFetchResult.Empty;
        var studies = await client.SearchAllAsync(QidoLevel.Studies, new DicomWebQuery { MatchKeys = source.Query }, ct).ConfigureAwait(false);
        foreach (string study in studies.Select(s => s.StudyInstanceUid).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            var series = await client.SearchAllAsync(QidoLevel.Series, new DicomWebQuery { StudyInstanceUid = study }, ct).ConfigureAwait(false);
            foreach (DicomJsonObject one in series.Where(s => s.SeriesInstanceUid is not null && Needed(manifest, s)))
            {
                // Both UIDs were checked by the search that returned them; the folder is checked once more to be inside the site's.
                string seriesFolder = CachePath.Below(folder, study, one.SeriesInstanceUid!)
                    ?? throw new InvalidOperationException("a series folder outside the site's cache folder (the UIDs were checked when they arrived).");
                DicomWebFetchResult result = await client.RetrieveSeriesAsync(study, one.SeriesInstanceUid!, seriesFolder, ct).ConfigureAwait(false);
                total = total.Add(result);
            }
        }

        Progress?.Report((site.Id, total));
        return (folder, total);
    }

    /// <summary>Whether any channel rule may match the series (modality and series description; attribute rules are left to the loader).</summary>
    internal static bool Needed(Manifest manifest, DicomJsonObject series)
    {
        string modality = series.GetString(DicomTag.Modality) ?? "";
        string description = series.GetString(DicomTag.SeriesDescription) ?? "";
        return manifest.Channels.Where(c => !c.IsFile).Any(rule =>
            (rule.Modality is null || string.Equals(rule.Modality, modality, StringComparison.OrdinalIgnoreCase))
            && (rule.SeriesDescription.Count == 0 || rule.SeriesDescription.Any(glob => PathPattern.Glob(glob, description))));
    }

    private static DicomWebAuth ToAuth(Manifests.DicomWebAuth? auth) => auth switch
    {
        null => DicomWebAuth.None,
        { Scheme: var s } when s.Equals("bearer", StringComparison.OrdinalIgnoreCase) => DicomWebAuth.Bearer(auth.SecretEnv),
        { UsernameEnv: { } user } => DicomWebAuth.Basic(user, auth.SecretEnv),
        _ => throw new FlipException($"DICOMweb {auth.Scheme} authentication needs a user-name variable; expected \"usernameEnv\" beside \"secretEnv\".", ExitCodes.BadInput,
            "add \"usernameEnv\": \"FLIP_PACS_USER\" to the site's auth."),
    };
}
