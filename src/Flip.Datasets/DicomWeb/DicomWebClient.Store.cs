using System.Net.Http.Headers;
using System.Text.Json;
using Flip.Imaging.Dicom;

namespace Flip.Datasets.DicomWeb;

public sealed partial class DicomWebClient
{
    private static readonly DicomTag FailedSopSequence = new(0x0008, 0x1198);
    private static readonly DicomTag ReferencedSopSequence = new(0x0008, 0x1199);
    private static readonly DicomTag FailureReason = new(0x0008, 0x1197);

    /// <summary>STOW-RS: uploads DICOM files in batches of <see cref="DicomWebOptions.StowBatchSize"/> (<c>POST /studies</c>, <c>multipart/related; type="application/dicom"</c>), each file streamed from disk.</summary>
    /// <param name="files">Part 10 files.</param>
    /// <param name="progress">Receives the number of files sent so far.</param>
    /// <param name="ct">Cancels the upload between or during batches.</param>
    /// <returns>What was stored.</returns>
    /// <exception cref="DicomWebException">The server refused a batch or some of its instances, or failed after retries.</exception>
    public async Task<DicomWebStoreResult> StoreAsync(IReadOnlyList<string> files, IProgress<int>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        Uri uri = Endpoint("/studies", "");
        int stored = 0, requests = 0, sent = 0;
        long bytes = 0;
        foreach (string[] batch in files.Chunk(Options.StowBatchSize))
        {
            int confirmed = await WithRetriesAsync("STOW-RS POST", uri, async attemptCt =>
            {
                using var request = NewRequest(HttpMethod.Post, uri, DicomJson);
                var content = new MultipartContent("related", "flip-" + Guid.NewGuid().ToString("N"));
                content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
                foreach (string file in batch)
                {
                    var part = new StreamContent(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan));
                    part.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
                    content.Add(part);
                }

                request.Content = content;
                using HttpResponseMessage response = await SendAsync("STOW-RS POST", request, HttpCompletionOption.ResponseContentRead, attemptCt).ConfigureAwait(false);
                byte[] body = await response.Content.ReadAsByteArrayAsync(attemptCt).ConfigureAwait(false);
                return CountStored(uri, body, batch.Length);
            }, ct).ConfigureAwait(false);
            stored += confirmed;
            requests++;
            sent += batch.Length;
            bytes += batch.Sum(f => new FileInfo(f).Length);
            progress?.Report(sent);
        }

        return new DicomWebStoreResult(stored, requests, bytes);
    }

    private static int CountStored(Uri uri, byte[] body, int sent)
    {
        if (body.Length == 0) return sent;
        try
        {
            using JsonDocument json = JsonDocument.Parse(body);
            JsonElement root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0) root = root[0];
            if (root.ValueKind != JsonValueKind.Object) return sent;
            var response = new DicomJsonObject(root);
            int failed = Count(root, FailedSopSequence);
            if (failed > 0)
            {
                JsonElement first = root.GetProperty(FailedSopSequence.ToHex()).GetProperty("Value")[0];
                throw DicomWebException.StoreFailed(uri, failed, sent, new DicomJsonObject(first).GetString(FailureReason) is { } reason ? $"first failure reason {reason}" : null);
            }

            return response.Element.TryGetProperty(ReferencedSopSequence.ToHex(), out _) ? Count(root, ReferencedSopSequence) : sent;
        }
        catch (JsonException e)
        {
            throw DicomWebException.BadResponse("STOW-RS POST", uri, $"the response is not JSON ({e.Message}); expected a DICOM JSON store report");
        }
    }

    private static int Count(JsonElement root, DicomTag sequence) =>
        root.TryGetProperty(sequence.ToHex(), out JsonElement attribute) && attribute.TryGetProperty("Value", out JsonElement values) && values.ValueKind == JsonValueKind.Array
            ? values.GetArrayLength()
            : 0;
}
