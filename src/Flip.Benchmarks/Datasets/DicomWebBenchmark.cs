using System.Diagnostics;
using Flip.Datasets.DicomWeb;

namespace Flip.Benchmarks.Datasets;

/// <summary>Measures fetching from a DICOMweb service into the SOP-keyed cache: cold (empty cache, series streamed), warm (everything cached, only QIDO-RS asked) and cold one instance per request.</summary>
public static class DicomWebBenchmark
{
    /// <summary>Runs the three passes over every study matching <paramref name="query"/>.</summary>
    /// <param name="client">The service.</param>
    /// <param name="query">Study-level match keys.</param>
    /// <param name="workFolder">An empty folder for the caches (deleted afterwards).</param>
    /// <param name="ct">Cancels the run.</param>
    /// <returns>One row per pass.</returns>
    /// <exception cref="DicomWebException">A request failed.</exception>
    public static async Task<IReadOnlyList<DicomWebBenchmarkRow>> RunAsync(DicomWebClient client, DicomWebQuery query, string workFolder, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var series = new List<(string Study, string Series)>();
        foreach (DicomJsonObject study in await client.SearchAllAsync(QidoLevel.Studies, query, ct).ConfigureAwait(false))
        {
            foreach (DicomJsonObject one in await client.SearchAllAsync(QidoLevel.Series, new DicomWebQuery { StudyInstanceUid = study.StudyInstanceUid }, ct).ConfigureAwait(false))
            {
                if (study.StudyInstanceUid is { } st && one.SeriesInstanceUid is { } se) series.Add((st, se));
            }
        }

        string cache = Path.Combine(workFolder, "series-cache");
        var rows = new List<DicomWebBenchmarkRow>
        {
            await PassAsync("cold: series streamed (WADO-RS series)", series, cache, client, ct).ConfigureAwait(false),
            await PassAsync("warm: all in cache (QIDO-RS only)", series, cache, client, ct).ConfigureAwait(false),
        };

        // One request per instance: list, then fetch each into a fresh cache.
        string single = Path.Combine(workFolder, "instance-cache");
        long started = Stopwatch.GetTimestamp();
        var total = DicomWebFetchResult.Empty;
        foreach (var (study, se) in series)
        {
            string folder = Path.Combine(single, study, se);
            Directory.CreateDirectory(folder);
            foreach (DicomJsonObject instance in await client.SearchAllAsync(QidoLevel.Instances, new DicomWebQuery { StudyInstanceUid = study, SeriesInstanceUid = se }, ct).ConfigureAwait(false))
            {
                string sop = instance.SopInstanceUid!;
                long bytes = await client.RetrieveInstanceAsync(study, se, sop, DicomWebClient.InstancePath(folder, sop), ct).ConfigureAwait(false);
                total = total.Add(new DicomWebFetchResult(1, 0, bytes));
            }
        }

        rows.Add(new DicomWebBenchmarkRow("cold: one instance per request (WADO-RS instance)", total, Stopwatch.GetElapsedTime(started)));
        Directory.Delete(cache, recursive: true);
        Directory.Delete(single, recursive: true);
        return rows;
    }

    private static async Task<DicomWebBenchmarkRow> PassAsync(string name, List<(string Study, string Series)> series, string cache, DicomWebClient client, CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        var total = DicomWebFetchResult.Empty;
        foreach (var (study, se) in series)
        {
            total = total.Add(await client.RetrieveSeriesAsync(study, se, Path.Combine(cache, study, se), ct).ConfigureAwait(false));
        }

        return new DicomWebBenchmarkRow(name, total, Stopwatch.GetElapsedTime(started));
    }
}
