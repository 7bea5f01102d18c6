using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Flip.Imaging.Dicom;

namespace Flip.Datasets.DicomWeb;

/// <summary>A DICOMweb client (PS3.18): QIDO-RS search with paging, WADO-RS metadata and retrieval streamed to disk, STOW-RS upload.</summary>
/// <remarks>
/// Every request has a timeout; transient failures (5xx, 408, 429, refused or reset connections, a
/// body that stops mid-way) are retried with exponential backoff up to
/// <see cref="DicomWebOptions.MaxRetries"/> times; other 4xx statuses fail at once with a message
/// naming the endpoint and status. Retrieval writes each instance to <c>&lt;sop&gt;.dcm.part</c>
/// and renames it when complete, so an interrupted fetch leaves no half file under a final name and
/// the next attempt fetches only the instances still missing.
/// UIDs become URL and path segments, so each one is checked to be a DICOM UID (<see cref="DicomUid.IsValid"/>) first: those the
/// server sends (in QIDO-RS results and inside retrieved files) fail with <see cref="DicomWebException"/>, those a caller passes
/// with <see cref="ArgumentException"/>; a cache path is also checked to stay inside its folder.
/// </remarks>
public sealed partial class DicomWebClient : IDisposable
{
    private const string DicomJson = "application/dicom+json";
    private const string MultipartDicom = "multipart/related; type=\"application/dicom\"; transfer-syntax=*";
    private readonly HttpClient _http;
    private readonly string _root;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly TimeProvider _time;

    /// <summary>The UID attributes of a QIDO-RS result, with the words an error names them by.</summary>
    private static readonly (DicomTag Tag, string Name)[] UidAttributes =
    [
        (DicomTag.StudyInstanceUid, "the Study Instance UID (0020,000D)"),
        (DicomTag.SeriesInstanceUid, "the Series Instance UID (0020,000E)"),
        (DicomTag.SopInstanceUid, "the SOP Instance UID (0008,0018)"),
    ];

    /// <summary>Creates a client; reads the credential variables now.</summary>
    /// <param name="options">The service and its settings.</param>
    /// <param name="time">The clock of the backoff waits; the system clock when null.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="DicomWebException">A credential variable is not set, or credentials would go over plain http to another machine (<see cref="DicomWebAuth.IsPlaintextOffLoopback"/>).</exception>
    public DicomWebClient(DicomWebOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        string[] problems = [.. options.Validate()];
        if (problems.Length > 0) throw new ArgumentException(string.Join(" ", problems), nameof(options));
        if (options.Auth.Kind != DicomWebAuthKind.None && DicomWebAuth.IsPlaintextOffLoopback(options.BaseUri))
        {
            // Defence in depth: the manifest validator refuses this too, but options can come from the command line or code.
            throw DicomWebException.PlaintextCredentials(options.BaseUri, options.Auth);
        }
        Options = options;
        _time = time ?? TimeProvider.System;
        _root = options.BaseUri.ToString().TrimEnd('/');
        _authorization = options.Auth.CreateHeader(options.BaseUri);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
        };
        if (options.CaCertificateFile is not null)
        {
            X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(options.CaCertificateFile);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => TrustedBy(ca, certificate, errors),
            };
        }

        _http = new HttpClient(handler) { Timeout = options.Timeout };
    }

    /// <summary>The settings.</summary>
    public DicomWebOptions Options { get; }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    /// <summary>QIDO-RS: every matching study, series or instance, page by page (<c>limit</c>/<c>offset</c>) until a page comes back short.</summary>
    /// <param name="level">What to search.</param>
    /// <param name="query">Match keys and extra fields.</param>
    /// <param name="ct">Cancels the search.</param>
    /// <returns>The results in the server's order; their Study, Series and SOP Instance UIDs, when present, are valid DICOM UIDs.</returns>
    /// <exception cref="DicomWebException">The server refused or failed after retries, or a result holds a UID that is not a DICOM UID.</exception>
    /// <exception cref="ArgumentException">A UID of <paramref name="query"/> that goes into the path is not a DICOM UID.</exception>
    public async IAsyncEnumerable<DicomJsonObject> SearchAsync(QidoLevel level, DicomWebQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        string path = level switch
        {
            QidoLevel.Studies => "/studies",
            QidoLevel.Series when query.StudyInstanceUid is not null => $"/studies/{RequireUid(query.StudyInstanceUid, nameof(query))}/series",
            QidoLevel.Series => "/series",
            QidoLevel.Instances when query.StudyInstanceUid is not null && query.SeriesInstanceUid is not null =>
                $"/studies/{RequireUid(query.StudyInstanceUid, nameof(query))}/series/{RequireUid(query.SeriesInstanceUid, nameof(query))}/instances",
            QidoLevel.Instances when query.StudyInstanceUid is not null => $"/studies/{RequireUid(query.StudyInstanceUid, nameof(query))}/instances",
            _ => "/instances",
        };
        // UIDs in the path are not repeated as match keys.
        DicomWebQuery keys = level switch
        {
            QidoLevel.Series when query.StudyInstanceUid is not null => query with { StudyInstanceUid = null },
            QidoLevel.Instances when query.StudyInstanceUid is not null && query.SeriesInstanceUid is not null => query with { StudyInstanceUid = null, SeriesInstanceUid = null },
            QidoLevel.Instances when query.StudyInstanceUid is not null => query with { StudyInstanceUid = null },
            _ => query,
        };
        string of = level switch { QidoLevel.Studies => "a study", QidoLevel.Series => "a series", _ => "an instance" };
        int offset = 0;
        while (true)
        {
            Uri uri = Endpoint(path, keys.ToQueryString(Options.PageSize, offset));
            List<DicomJsonObject> page = await GetJsonAsync("QIDO-RS GET", uri, ct).ConfigureAwait(false);
            foreach (DicomJsonObject item in page)
            {
                CheckUids(item, of, uri);
                yield return item;
            }

            if (page.Count < Options.PageSize) yield break;
            offset += page.Count;
        }
    }

    /// <summary>QIDO-RS collected into a list.</summary>
    /// <param name="level">What to search.</param>
    /// <param name="query">Match keys.</param>
    /// <param name="ct">Cancels the search.</param>
    /// <returns>All results.</returns>
    /// <exception cref="DicomWebException">The server refused or failed after retries.</exception>
    public async Task<IReadOnlyList<DicomJsonObject>> SearchAllAsync(QidoLevel level, DicomWebQuery query, CancellationToken ct = default)
    {
        var results = new List<DicomJsonObject>();
        await foreach (DicomJsonObject item in SearchAsync(level, query, ct).ConfigureAwait(false)) results.Add(item);
        return results;
    }

    /// <summary>WADO-RS metadata of a study, a series or one instance (<c>…/metadata</c>), in the DICOM JSON model without bulk data.</summary>
    /// <param name="studyUid">The study.</param>
    /// <param name="seriesUid">The series, or null for the whole study.</param>
    /// <param name="sopUid">The instance, or null for the whole series.</param>
    /// <param name="ct">Cancels the request.</param>
    /// <returns>One object per instance.</returns>
    /// <exception cref="DicomWebException">The server refused or failed after retries.</exception>
    /// <exception cref="ArgumentException">A UID is not a DICOM UID.</exception>
    public Task<List<DicomJsonObject>> GetMetadataAsync(string studyUid, string? seriesUid = null, string? sopUid = null, CancellationToken ct = default)
    {
        string path = $"/studies/{RequireUid(studyUid, nameof(studyUid))}"
            + (seriesUid is null ? "" : $"/series/{RequireUid(seriesUid, nameof(seriesUid))}" + (sopUid is null ? "" : $"/instances/{RequireUid(sopUid, nameof(sopUid))}"))
            + "/metadata";
        return GetJsonAsync("WADO-RS GET", Endpoint(path, ""), ct);
    }

    private async Task<List<DicomJsonObject>> GetJsonAsync(string method, Uri uri, CancellationToken ct) =>
        await WithRetriesAsync(method, uri, async attemptCt =>
        {
            using var request = NewRequest(HttpMethod.Get, uri, DicomJson);
            using HttpResponseMessage response = await SendAsync(method, request, HttpCompletionOption.ResponseContentRead, attemptCt).ConfigureAwait(false);
            byte[] body = await response.Content.ReadAsByteArrayAsync(attemptCt).ConfigureAwait(false);
            return ParseJsonArray(method, uri, body);
        }, ct).ConfigureAwait(false);

    private static List<DicomJsonObject> ParseJsonArray(string method, Uri uri, byte[] body)
    {
        if (body.Length == 0) return [];
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw DicomWebException.BadResponse(method, uri, $"the response is not JSON ({e.Message}); expected a DICOM JSON array");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw DicomWebException.BadResponse(method, uri, $"the response is a JSON {document.RootElement.ValueKind}; expected a DICOM JSON array");
            }

            return [.. document.RootElement.EnumerateArray().Select(e => new DicomJsonObject(e.Clone()))];
        }
    }

    /// <summary>A UID a caller passes, checked before it becomes a URL or path segment.</summary>
    private static string RequireUid(string? uid, string parameter) => DicomUid.IsValid(uid)
        ? uid!
        : throw new ArgumentException($"{parameter} holds a value that is not a DICOM UID ({uid?.Length ?? 0} characters); expected 1 to 64 digits and dots, no empty or zero-led component (PS3.5 §9.1).", parameter);

    /// <summary>Refuses a QIDO-RS result whose Study, Series or SOP Instance UID is present but not a DICOM UID (it would become a URL and path segment).</summary>
    private static void CheckUids(DicomJsonObject item, string of, Uri uri)
    {
        foreach (var (tag, name) in UidAttributes)
        {
            if (item.GetString(tag) is { } uid && !DicomUid.IsValid(uid)) throw DicomWebException.NotAUid("QIDO-RS GET", uri, $"{name} of {of}", uid.Length);
        }
    }

    private Uri Endpoint(string path, string query)
    {
        string text = _root + path + (query.Length > 0 ? "?" + query : "");
        // Keep the query exactly as built: Orthanc matches literal ^ and * but not %5E / %2A.
        return new Uri(text, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
    }

    private HttpRequestMessage NewRequest(HttpMethod method, Uri uri, string accept)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        request.Headers.Authorization = _authorization;
        return request;
    }

    /// <summary>Sends; a success status returns the response, a transient one throws <see cref="TransientStatusException"/>, any other a <see cref="DicomWebException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(string method, HttpRequestMessage request, HttpCompletionOption completion, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, ct).ConfigureAwait(false);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new IOException($"no response within {Options.Timeout.TotalSeconds:0.#} s", e);
        }

        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            string? detail = await ErrorDetailAsync(response, ct).ConfigureAwait(false);
            if (IsTransient(response.StatusCode)) throw new TransientStatusException(response.StatusCode, response.ReasonPhrase, detail);
            throw DicomWebException.Status(method, request.RequestUri!, response.StatusCode, response.ReasonPhrase, Options.Auth, detail);
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    /// <summary>Orthanc's JSON error "Message" (never the request's query values), at most 200 characters.</summary>
    private static async Task<string?> ErrorDetailAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            string text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            using JsonDocument json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("Message", out JsonElement message))
            {
                string value = message.GetString() ?? "";
                return value.Length > 200 ? value[..200] : value;
            }
        }
        catch (JsonException)
        {
        }
        catch (HttpRequestException)
        {
        }

        return null;
    }

    /// <summary>Runs one attempt after another until it succeeds, a non-transient error occurs or the retries are spent.</summary>
    /// <remarks>An attempt that reports progress (<paramref name="attempt"/> returns after partial work and is called again) resets the count: retries bound stalls, not the size of a download.</remarks>
    private async Task<T> WithRetriesAsync<T>(string method, Uri uri, Func<CancellationToken, Task<T>> attempt, CancellationToken ct, Func<bool>? madeProgress = null)
    {
        int failures = 0;
        TimeSpan backoff = Options.InitialBackoff;
        while (true)
        {
            Exception failure;
            try
            {
                return await attempt(ct).ConfigureAwait(false);
            }
            catch (TransientStatusException e)
            {
                failure = e;
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !ct.IsCancellationRequested)
            {
                failure = e;
            }

            if (madeProgress?.Invoke() == true)
            {
                failures = 0;
                backoff = Options.InitialBackoff;
            }

            failures++;
            if (failures > Options.MaxRetries)
            {
                if (failure is TransientStatusException status)
                {
                    throw DicomWebException.Status(method, uri, status.Status, status.Reason, Options.Auth, status.Detail);
                }

                throw DicomWebException.Unreachable(method, uri, failures, failure);
            }

            await Task.Delay(backoff, _time, ct).ConfigureAwait(false);
            backoff *= 2;
        }
    }

    private static bool TrustedBy(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <summary>A retryable status, raised inside an attempt.</summary>
    private sealed class TransientStatusException(HttpStatusCode status, string? reason, string? detail) : Exception($"HTTP {(int)status}")
    {
        public HttpStatusCode Status { get; } = status;

        public string? Reason { get; } = reason;

        public string? Detail { get; } = detail;
    }
}
