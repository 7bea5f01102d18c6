using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>
/// A fake PACS on loopback that answers DICOMweb GETs from a table of canned responses (QIDO-RS JSON, WADO-RS multipart),
/// so a test can hand the client hostile UIDs and DICOM files; one request per connection, 404 for anything not in the table.
/// </summary>
public sealed class HostilePacs : LoopbackFront
{
    private readonly Func<string, Response?> _answer;

    /// <param name="answer">The response to a request path (below <c>/dicom-web</c>, query removed), or null for 404.</param>
    public HostilePacs(Func<string, Response?> answer)
        : base(0)
    {
        _answer = answer;
        Start();
    }

    /// <summary>The DICOMweb root, e.g. http://127.0.0.1:PORT/dicom-web.</summary>
    public Uri Root => new($"http://127.0.0.1:{Port}/dicom-web");

    /// <summary>Every request target received (path and query), in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Every request head received (request line and headers), in order.</summary>
    public ConcurrentQueue<string> Heads { get; } = new();

    /// <summary>A redirect to <paramref name="location"/>.</summary>
    public static Response Redirect(string location) => new("text/plain", [], "302 Found", location);

    /// <summary>A QIDO-RS answer: DICOM JSON objects built from (tag hex, VR, value) triples.</summary>
    public static Response Json(params (string Tag, string Vr, string Value)[][] objects)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < objects.Length; i++)
        {
            if (i > 0) text.Append(',');
            text.Append('{');
            text.AppendJoin(',', objects[i].Select(a => $"\"{a.Tag}\":{{\"vr\":\"{a.Vr}\",\"Value\":[{System.Text.Json.JsonSerializer.Serialize(a.Value)}]}}"));
            text.Append('}');
        }

        text.Append(']');
        return new Response("application/dicom+json", Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>A WADO-RS answer: the files as parts of one multipart/related body.</summary>
    public static Response Multipart(params byte[][] parts)
    {
        const string Boundary = "hostile-boundary";
        using var body = new MemoryStream();
        foreach (byte[] part in parts)
        {
            body.Write(Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Type: application/dicom\r\nContent-Length: {part.Length}\r\n\r\n"));
            body.Write(part);
            body.Write("\r\n"u8);
        }

        body.Write(Encoding.ASCII.GetBytes($"--{Boundary}--\r\n"));
        return new Response($"multipart/related; type=\"application/dicom\"; boundary={Boundary}", body.ToArray());
    }

    protected override async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                var head = new byte[64 * 1024];
                int read = 0;
                while (read < head.Length && !Encoding.ASCII.GetString(head, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    int n = await stream.ReadAsync(head.AsMemory(read), Stopping);
                    if (n == 0) return;
                    read += n;
                }

                string text = Encoding.ASCII.GetString(head, 0, read);
                string target = text.Split(' ', 3)[1];
                Requests.Enqueue(target);
                Heads.Enqueue(text);
                string path = target.Split('?', 2)[0];
                path = path.StartsWith("/dicom-web", StringComparison.Ordinal) ? path["/dicom-web".Length..] : path;
                Response? response = _answer(path);
                string status = response?.Status ?? "404 Not Found";
                byte[] content = response?.Body ?? [];
                string type = response?.ContentType ?? "application/json";
                string location = response?.Location is { } to ? $"Location: {to}\r\n" : "";
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: {type}\r\nContent-Length: {content.Length}\r\n{location}Connection: close\r\n\r\n"), Stopping);
                await stream.WriteAsync(content, Stopping);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }
    }

    public sealed record Response(string ContentType, byte[] Body, string Status = "200 OK", string? Location = null);
}
