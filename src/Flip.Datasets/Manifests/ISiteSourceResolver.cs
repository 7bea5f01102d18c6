namespace Flip.Datasets.Manifests;

/// <summary>Turns a site's non-folder source (such as DICOMweb) into a local folder the loader can read.</summary>
/// <remarks>
/// <see cref="ManifestCohort"/> reads folder sources itself and asks the first resolver whose
/// <see cref="CanResolve"/> is true for any other source. A resolver fetches (or finds already fetched)
/// the site's images into a folder under the cache folder and returns it.
/// </remarks>
public interface ISiteSourceResolver
{
    /// <summary>Whether this resolver handles the source.</summary>
    /// <param name="source">A site's source.</param>
    /// <returns><see langword="true"/> when <see cref="Resolve"/> can turn it into a folder.</returns>
    bool CanResolve(SiteSource source);

    /// <summary>Makes the site's images available in a local folder.</summary>
    /// <param name="manifest">The manifest (for its channels' match rules and paths).</param>
    /// <param name="site">The site whose source to resolve.</param>
    /// <param name="cacheFolder">The manifest's cache folder; fetched data goes under it.</param>
    /// <param name="cancellationToken">Cancels the transfer.</param>
    /// <returns>The folder holding the site's DICOM files.</returns>
    /// <exception cref="FlipException">The source cannot be reached or refused the request.</exception>
    string Resolve(Manifest manifest, ManifestSite site, string cacheFolder, CancellationToken cancellationToken);
}
