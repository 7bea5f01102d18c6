using System.Net.Http.Headers;
using Flip.Imaging.Dicom;

namespace Flip.Datasets.DicomWeb;

public sealed partial class DicomWebClient
{
    private const string PartSuffix = ".part";

    /// <summary>WADO-RS: retrieves one instance as stored (<c>transfer-syntax=*</c>) into <paramref name="path"/>, via <c>path.part</c> and a rename; a file already at <paramref name="path"/> is kept, never replaced.</summary>
    /// <param name="studyUid">The study.</param>
    /// <param name="seriesUid">The series.</param>
    /// <param name="sopUid">The instance.</param>
    /// <param name="path">Where the file goes.</param>
    /// <param name="ct">Cancels the download; the <c>.part</c> file stays for the next attempt to replace.</param>
    /// <returns>The file's size in bytes.</returns>
    /// <exception cref="DicomWebException">The server refused or failed after retries.</exception>
    /// <exception cref="ArgumentException">A UID is not a DICOM UID.</exception>
    public async Task<long> RetrieveInstanceAsync(string studyUid, string seriesUid, string sopUid, string path, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Uri uri = Endpoint($"/studies/{RequireUid(studyUid, nameof(studyUid))}/series/{RequireUid(seriesUid, nameof(seriesUid))}/instances/{RequireUid(sopUid, nameof(sopUid))}", "");
        return await WithRetriesAsync("WADO-RS GET", uri, attemptCt => DownloadInstanceAsync(uri, path, attemptCt), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// WADO-RS: brings a series into <paramref name="folder"/> as <c>&lt;SOP Instance UID&gt;.dcm</c> files, fetching only
    /// instances not already there; resumes after an interrupted attempt.
    /// </summary>
    /// <param name="studyUid">The study.</param>
    /// <param name="seriesUid">The series.</param>
    /// <param name="folder">The series' cache folder (created).</param>
    /// <param name="ct">Cancels the fetch; completed instances stay.</param>
    /// <returns>Counts and bytes of what was fetched and what was already present.</returns>
    /// <remarks>
    /// QIDO-RS lists the series' instances first. When none is present the whole series is streamed
    /// in one WADO-RS request (parts written one by one, never the series in memory); otherwise the
    /// missing ones are retrieved one by one. A dropped connection costs at most the instance in
    /// flight: the retry lists what is still missing and continues.
    /// </remarks>
    /// <exception cref="DicomWebException">The server refused or failed after retries, or sent a UID that is not a DICOM UID (nothing is written for it).</exception>
    /// <exception cref="ArgumentException">A UID is not a DICOM UID.</exception>
    public async Task<DicomWebFetchResult> RetrieveSeriesAsync(string studyUid, string seriesUid, string folder, CancellationToken ct = default)
    {
        RequireUid(studyUid, nameof(studyUid));
        RequireUid(seriesUid, nameof(seriesUid));
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        foreach (string stale in Directory.EnumerateFiles(folder, "*" + PartSuffix)) File.Delete(stale);
        IReadOnlyList<DicomJsonObject> listed = await SearchAllAsync(QidoLevel.Instances,
            new DicomWebQuery { StudyInstanceUid = studyUid, SeriesInstanceUid = seriesUid }, ct).ConfigureAwait(false);
        string[] sops = [.. listed.Select(i => i.SopInstanceUid).OfType<string>().Distinct(StringComparer.Ordinal)];
        int skipped = sops.Count(sop => File.Exists(InstancePath(folder, sop)));
        int fetched = 0, reported = 0;
        long bytes = 0;
        Uri seriesUri = Endpoint($"/studies/{studyUid}/series/{seriesUid}", "");
        await WithRetriesAsync("WADO-RS GET", seriesUri, async attemptCt =>
        {
            string[] missing = [.. sops.Where(sop => !File.Exists(InstancePath(folder, sop)))];
            if (missing.Length == 0) return 0;
            if (missing.Length == sops.Length)
            {
                await StreamPartsAsync(seriesUri, async (reader, index) =>
                {
                    string part = Path.Combine(folder, $"incoming-{index}{PartSuffix}");
                    long size = await CopyToFileAsync(reader, part, attemptCt).ConfigureAwait(false);
                    string sop;
                    try
                    {
                        sop = ReadSopInstanceUid(part, seriesUri);
                    }
                    catch (DicomWebException)
                    {
                        // Not a DICOM file, no SOP Instance UID, or one that is not a UID: the part goes, nothing is kept for it.
                        File.Delete(part);
                        throw;
                    }

                    string final = InstancePath(folder, sop);
                    if (File.Exists(final))
                    {
                        File.Delete(part);
                    }
                    else
                    {
                        File.Move(part, final);
                        fetched++;
                        bytes += size;
                    }
                }, attemptCt).ConfigureAwait(false);
            }
            else
            {
                foreach (string sop in missing)
                {
                    Uri uri = Endpoint($"/studies/{studyUid}/series/{seriesUid}/instances/{sop}", "");
                    bytes += await DownloadInstanceAsync(uri, InstancePath(folder, sop), attemptCt).ConfigureAwait(false);
                    fetched++;
                }
            }

            return 0;
        }, ct, madeProgress: () =>
        {
            bool progress = fetched > reported;
            reported = fetched;
            return progress;
        }).ConfigureAwait(false);
        return new DicomWebFetchResult(fetched, skipped, bytes);
    }

    /// <summary>The cache file of an instance: <c>folder/&lt;sop&gt;.dcm</c>, checked to be inside <paramref name="folder"/>.</summary>
    /// <remarks>
    /// The name <see cref="RetrieveSeriesAsync"/> gives each instance of a series folder; pass it to
    /// <see cref="RetrieveInstanceAsync"/> to fill the same cache one instance at a time.
    /// </remarks>
    /// <param name="folder">The series' cache folder.</param>
    /// <param name="sopUid">The SOP Instance UID.</param>
    /// <returns>The file's path.</returns>
    /// <exception cref="ArgumentException"><paramref name="sopUid"/> is not a DICOM UID.</exception>
    public static string InstancePath(string folder, string sopUid) =>
        CachePath.Below(folder, RequireUid(sopUid, nameof(sopUid)) + ".dcm")
            ?? throw new ArgumentException($"the instance file would not be inside '{folder}'; expected a folder path.", nameof(folder));

    private async Task<long> DownloadInstanceAsync(Uri uri, string path, CancellationToken ct)
    {
        long size = -1;
        string part = path + PartSuffix;
        await StreamPartsAsync(uri, async (reader, index) =>
        {
            if (index > 0) throw DicomWebException.BadResponse("WADO-RS GET", uri, "the response holds more than one part; expected one instance");
            size = await CopyToFileAsync(reader, part, ct).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        if (size < 0) throw DicomWebException.BadResponse("WADO-RS GET", uri, "the response holds no part; expected one instance");
        if (File.Exists(path))
        {
            // Fetched meanwhile (another run on the same cache): keep the file that is there, never replace it.
            File.Delete(part);
            return size;
        }

        File.Move(part, path);
        return size;
    }

    private async Task StreamPartsAsync(Uri uri, Func<MultipartRelatedReader, int, Task> onPart, CancellationToken ct)
    {
        using var request = NewRequest(HttpMethod.Get, uri, MultipartDicom);
        using HttpResponseMessage response = await SendAsync("WADO-RS GET", request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        MediaTypeHeaderValue? type = response.Content.Headers.ContentType;
        string? boundary = type?.Parameters.FirstOrDefault(p => p.Name.Equals("boundary", StringComparison.OrdinalIgnoreCase))?.Value?.Trim('"');
        if (type?.MediaType?.Equals("multipart/related", StringComparison.OrdinalIgnoreCase) != true || string.IsNullOrEmpty(boundary))
        {
            throw DicomWebException.BadResponse("WADO-RS GET", uri, $"the response is '{type}'; expected multipart/related with a boundary");
        }

        await using Stream body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var reader = new MultipartRelatedReader(body, boundary, Options.ReadTimeout);
        int index = 0;
        while (await reader.ReadNextPartAsync(ct).ConfigureAwait(false) is { } headers)
        {
            if (headers.TryGetValue("Content-Type", out string? partType) && !partType.StartsWith("application/dicom", StringComparison.OrdinalIgnoreCase))
            {
                throw DicomWebException.BadResponse("WADO-RS GET", uri, $"part {index + 1} is '{partType}'; expected application/dicom");
            }

            await onPart(reader, index++).ConfigureAwait(false);
        }
    }

    private static async Task<long> CopyToFileAsync(MultipartRelatedReader reader, string path, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
        long size = await reader.CopyPartAsync(file, ct).ConfigureAwait(false);
        await file.FlushAsync(ct).ConfigureAwait(false);
        return size;
    }

    private static string ReadSopInstanceUid(string path, Uri uri)
    {
        try
        {
            DicomFile file = DicomFile.Open(path, DicomReadOptions.HeaderOnly);
            if ((file.Dataset.TryGetString(DicomTag.SopInstanceUid, out string? sop) && sop.Length > 0)
                || (file.FileMetaInformation.TryGetString(DicomTag.MediaStorageSopInstanceUid, out sop) && sop.Length > 0))
            {
                return DicomUid.IsValid(sop) ? sop : throw DicomWebException.NotAUid("WADO-RS GET", uri, "the SOP Instance UID (0008,0018) of a retrieved file", sop.Length);
            }
        }
        catch (DicomFormatException e)
        {
            throw DicomWebException.BadResponse("WADO-RS GET", uri, $"a part is not a DICOM file ({e.Message})");
        }

        throw DicomWebException.BadResponse("WADO-RS GET", uri, "a part has no SOP Instance UID (0008,0018); expected one per instance");
    }
}
