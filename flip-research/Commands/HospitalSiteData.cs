using Flip.Datasets;
using Flip.Datasets.DicomWeb;
using Flip.Datasets.Manifests;
using Flip.Datasets.Samples;
using Flip.Experiments;
using Flip.Federated;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary>The data side of <c>flip-research client</c>: a site's patients from a manifest (folder or PACS over DICOMweb) or the synthetic FLIP-6, and what the node will share.</summary>
internal static class HospitalSiteData
{
    /// <summary>What a node may send: the model's parameters, sample counts and site-level (aggregate) metrics.</summary>
    public static readonly string[] Shareable = ["parameters", "counts", "metrics"];

    /// <summary>What a node never sends; asking for it stops the node before it connects.</summary>
    private static readonly Dictionary<string, string> Refused = new(StringComparer.OrdinalIgnoreCase)
    {
        ["per-patient-metrics"] = "per-patient metrics",
        ["predictions"] = "per-patient predictions",
        ["images"] = "images",
        ["patient-ids"] = "patient identifiers",
    };

    /// <summary>Checks <c>--share</c>: only <see cref="Shareable"/> items; anything that would send per-patient data is refused.</summary>
    public static void CheckSharing(IReadOnlyList<string> share)
    {
        foreach (string item in share)
        {
            if (Refused.TryGetValue(item, out string? what))
            {
                throw new FlipException($"--share {item}: this node would send {what} off the site; a hospital node shares only model parameters, sample counts and aggregate metrics.",
                    ExitCodes.BadCommandLine, $"remove '{item}' from --share (allowed: {string.Join(", ", Shareable)}).");
            }

            if (!Shareable.Contains(item, StringComparer.OrdinalIgnoreCase))
            {
                throw new FlipException($"--share {item}: unknown item; expected some of {string.Join(", ", Shareable)}.", ExitCodes.BadCommandLine);
            }
        }

        string[] missing = [.. Shareable.Where(s => !share.Contains(s, StringComparer.OrdinalIgnoreCase))];
        if (missing.Length > 0)
        {
            throw new FlipException($"--share lacks {string.Join(", ", missing)}; a node in a federation must share parameters, counts and metrics to take part.", ExitCodes.BadCommandLine,
                $"use --share {string.Join(' ', Shareable)} (the default).");
        }
    }

    /// <summary>Prints, before connecting, exactly what leaves the machine.</summary>
    public static void PrintSharing(IAnsiConsole console, string siteId, PreparedSite local, ParameterSet parameters)
    {
        console.MarkupLineInterpolated($"{siteId} will share, each round: the model's parameters ({parameters.Count} arrays, {parameters.ElementCount:N0} values), its sample counts (now {local.Train.Count} training slices, {local.Test.Patients.Count} test patients) and site-level metrics ({MetricNames.Loss}, {MetricNames.Dice}, {MetricNames.Auroc}, … averaged over the site).");
        console.MarkupLine("Nothing else leaves this machine: no images, no patient ids, names or dates, no per-patient metrics or predictions.");
    }

    /// <summary>Loads the node's site: from a manifest (folder or DICOMweb source, fetched into the cache) or, without one, the synthetic FLIP-6.</summary>
    public static PreparedSite Load(IAnsiConsole console, string siteId, string? manifestPath, string? cacheFolder, double scale, int seed, CancellationToken ct)
    {
        if (manifestPath is null)
        {
            PreparedCohort synthetic = Experiment.SyntheticFlip6(scale, seed);
            return synthetic.Sites.FirstOrDefault(s => s.Id == siteId)
                ?? throw new FlipException($"no hospital '{siteId}' in FLIP-6; expected one of {string.Join(", ", synthetic.Sites.Select(s => s.Id))}.", ExitCodes.BadCommandLine);
        }

        Manifest manifest = Manifest.Load(manifestPath);
        ManifestSite site = manifest.Sites.FirstOrDefault(s => s.Id == siteId)
            ?? throw new FlipException($"manifest '{manifestPath}' has no site '{siteId}'; expected one of {string.Join(", ", manifest.Sites.Select(s => s.Id))}.", ExitCodes.BadCommandLine);
        var resolver = new DicomWebSiteResolver
        {
            Progress = new Progress<(string SiteId, DicomWebFetchResult Result)>(p =>
                console.MarkupLineInterpolated($"{p.SiteId}: fetched {p.Result.Fetched} instance(s) ({p.Result.Bytes / 1e6:0.0} MB) from the PACS, {p.Result.Skipped} already in the cache.")),
        };
        console.MarkupLineInterpolated($"{siteId}: reading {site.Source} ...");
        Cohort cohort = ManifestCohort.Load(manifest with { Sites = [site] }, new ManifestCohortOptions { CacheFolder = cacheFolder, Resolvers = [resolver] }, ct);
        // The manifest's own split (explicit lists or seeded ratios) when it has one: "train" trains, "test" evaluates.
        return PreparedCohort.Prepare(cohort, manifest.Splits, seed: seed).Sites[0];
    }
}
