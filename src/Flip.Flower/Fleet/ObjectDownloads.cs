using System.Buffers;
using System.Buffers.Binary;
using Flip.Flower.Objects;
using Microsoft.AspNetCore.Http;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Fleet;

/// <summary>
/// Answers <c>Fleet/PullObject</c> for large objects by streaming the response, so that the server's memory does not grow
/// with the number of nodes downloading at once.
/// </summary>
/// <remarks>
/// <para>A unary gRPC response is serialised whole into the transport's buffers and the call then completes, whether or
/// not the node has read it: every download a node has open holds a copy of its object (up to 5 MiB) in the server until
/// the bytes leave. With 50 nodes pulling 4 array chunks each, that was 1.5 model sizes of a 25M-parameter model.</para>
/// <para>Here the same response (the same bytes on the wire: gRPC's length-prefixed message with fields
/// <c>object_found</c>, <c>object_available</c> and <c>object_content</c>, then <c>grpc-status: 0</c>) is written in
/// 64 KiB pieces, each awaited, so Kestrel's back-pressure holds at most its response buffer per download. The object's
/// bytes come straight from where they are (for the global model: the NPY header and the model's own arrays), with no
/// copy.</para>
/// <para>Everything else goes on to the gRPC service unchanged: small objects, missing objects, any call that fails a
/// check (unknown node, another node's id). <see cref="RequestGate"/> has authenticated the call before; the other checks
/// are the service's own (<see cref="FleetService.ObjectToStream"/>), and on any doubt the call is handed over, so the
/// service answers it with its usual status and log line.</para>
/// </remarks>
internal static class ObjectDownloads
{
    /// <summary>The request path of <c>PullObject</c>.</summary>
    public const string Path = "/flwr.proto.Fleet/PullObject";

    /// <summary>Objects smaller than this are answered by the gRPC service as usual.</summary>
    public const int MinimumStreamedLength = 64 * 1024;

    private const int PieceLength = 64 * 1024;
    private const int MaxRequestLength = 64 * 1024; // a PullObjectRequest is a node id, a run id and a 64-character object id

    /// <summary>Streams the object when it can, otherwise calls <paramref name="next"/>, which reads the request body untouched.</summary>
    /// <param name="http">The request.</param>
    /// <param name="next">The rest of the pipeline (the gRPC service).</param>
    /// <param name="fleet">The service that owns the objects and the checks.</param>
    /// <returns>A task that ends when the response has been written.</returns>
    public static async Task InvokeAsync(HttpContext http, RequestDelegate next, FleetService fleet)
    {
        if (!HttpMethods.IsPost(http.Request.Method) || !string.Equals(http.Request.Path.Value, Path, StringComparison.Ordinal)
            || !string.Equals(http.Request.ContentType, "application/grpc", StringComparison.OrdinalIgnoreCase)
            || http.Request.Headers.ContainsKey("grpc-encoding") && http.Request.Headers["grpc-encoding"] != "identity")
        {
            await next(http).ConfigureAwait(false);
            return;
        }

        // The request is looked at in the body's pipe without being consumed, so a call handed on reads it as if untouched.
        System.IO.Pipelines.PipeReader reader = http.Request.BodyReader;
        ReadOnlySequence<byte> body = await PeekRequestAsync(reader, http.RequestAborted).ConfigureAwait(false);
        FlowerObject? obj = TryParse(body) is { } request ? fleet.ObjectToStream(http, request, MinimumStreamedLength) : null;
        if (obj is null)
        {
            reader.AdvanceTo(body.Start);
            await next(http).ConfigureAwait(false);
            return;
        }

        reader.AdvanceTo(body.End);
        await WriteAsync(http, obj).ConfigureAwait(false);
        fleet.CountStreamed();
    }

    /// <summary>Reads until the body holds one whole gRPC message, ends, or passes <see cref="MaxRequestLength"/>; consumes nothing.</summary>
    private static async Task<ReadOnlySequence<byte>> PeekRequestAsync(System.IO.Pipelines.PipeReader reader, CancellationToken ct)
    {
        while (true)
        {
            System.IO.Pipelines.ReadResult result = await reader.ReadAsync(ct).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (result.IsCompleted || buffer.Length > MaxRequestLength || (FramedLength(buffer) is { } length && buffer.Length >= 5 + length))
            {
                return buffer;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>gRPC framing: 1 byte compressed flag, 4 bytes big-endian message length, then the message.</summary>
    private static long? FramedLength(ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < 5)
        {
            return null;
        }

        Span<byte> prefix = stackalloc byte[5];
        buffer.Slice(0, 5).CopyTo(prefix);
        return prefix[0] == 0 ? BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]) : -1;
    }

    private static W.PullObjectRequest? TryParse(ReadOnlySequence<byte> body)
    {
        // Exactly one uncompressed message of at most MaxRequestLength bytes.
        if (body.Length > MaxRequestLength || FramedLength(body) is not { } length || length < 0 || body.Length != 5 + length)
        {
            return null;
        }

        try
        {
            return W.PullObjectRequest.Parser.ParseFrom(body.Slice(5));
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return null;
        }
    }

    private static async Task WriteAsync(HttpContext http, FlowerObject obj)
    {
        // PullObjectResponse: object_found = 1 (field 1, varint), object_available = 1 (field 2, varint), object_content (field 3, bytes).
        int lengthPrefix = VarintLength((uint)obj.Length);
        int messageLength = 2 + 2 + 1 + lengthPrefix + obj.Length;
        byte[] start = new byte[5 + 5 + lengthPrefix];
        start[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(start.AsSpan(1), (uint)messageLength);
        start[5] = 0x08;
        start[6] = 1;
        start[7] = 0x10;
        start[8] = 1;
        start[9] = 0x1A;
        WriteVarint(start.AsSpan(10), (uint)obj.Length);

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/grpc";
        CancellationToken ct = http.RequestAborted;
        System.IO.Pipelines.PipeWriter writer = http.Response.BodyWriter;
        await SendAsync(writer, start, ct).ConfigureAwait(false);
        foreach (ReadOnlyMemory<byte> block in obj.Blocks())
        {
            for (int offset = 0; offset < block.Length; offset += PieceLength)
            {
                await SendAsync(writer, block.Slice(offset, Math.Min(PieceLength, block.Length - offset)), ct).ConfigureAwait(false);
            }
        }

        http.Response.AppendTrailer("grpc-status", "0");
    }

    /// <summary>Writes and flushes: the flush waits while the transport holds more than its response buffer (back-pressure).</summary>
    private static async ValueTask SendAsync(System.IO.Pipelines.PipeWriter writer, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        System.IO.Pipelines.FlushResult result = await writer.WriteAsync(bytes, ct).ConfigureAwait(false);
        if (result.IsCanceled || result.IsCompleted)
        {
            throw new OperationCanceledException("the node stopped reading the object", ct);
        }
    }

    private static int VarintLength(uint value)
    {
        int length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }

        return length;
    }

    private static void WriteVarint(Span<byte> destination, uint value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i] = (byte)value;
    }
}
