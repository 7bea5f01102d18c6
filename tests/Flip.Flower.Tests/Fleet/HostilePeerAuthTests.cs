using System.Buffers.Binary;
using System.Formats.Asn1;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Xunit.Abstractions;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Tests.Fleet;

/// <summary>
/// Issue #21, findings 1, 3 and 10: a hostile peer against a Fleet server that admits one node key (as
/// <c>serve --authorized-keys</c>), over real gRPC on loopback. Memory is read from the process (bytes allocated) and from
/// Kestrel's pools, so these tests run alone, in the server-memory collection.
/// </summary>
[Collection(nameof(ServerMemoryCollection))]
public sealed class HostilePeerAuthTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>What the hostile RegisterNode requests inflate to; gzip carries it in about 65 KB.</summary>
    private const int InflatedBytes = 64 << 20;

    private readonly NodeIdentity _authorized = NodeIdentity.Create();
    private readonly NodeIdentity _stranger = NodeIdentity.Create();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));
    private readonly List<WebApplication> _apps = [];
    private FleetService _fleet = null!;
    private Uri _address = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        var keys = NodeAllowList.FromPem("test list", [Encoding.ASCII.GetString(_authorized.PublicKeyPem)]);
        (_fleet, _address) = await ServeAsync(new FlowerServerSecurity { AuthorizedKeys = keys });
        _channel = FlowerChannel.Create(_address);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        foreach (WebApplication app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        _authorized.Dispose();
        _stranger.Dispose();
        _timeout.Dispose();
    }

    [Theory]
    [InlineData("unsigned", true, StatusCode.Unauthenticated)]
    [InlineData("stranger", true, StatusCode.PermissionDenied)]
    [InlineData("authorized", true, StatusCode.Unimplemented)]
    [InlineData("unsigned", false, StatusCode.Unauthenticated)]
    [InlineData("stranger", false, StatusCode.PermissionDenied)]
    [InlineData("authorized", false, StatusCode.ResourceExhausted)]
    public async Task Finding1_a_RegisterNode_inflating_to_64_MiB_is_refused_before_the_server_holds_its_body(string caller, bool gzip, StatusCode expected)
    {
        // Given: a RegisterNode whose public_key is 64 MiB of zeros, sent gzip-compressed (about 65 KB) or plain,
        // with no auth metadata, signed by a key not on the list, or signed by the authorized key
        Metadata? metadata = caller switch
        {
            "unsigned" => null,
            "stranger" => AuthMetadata.Create(_stranger, DateTimeOffset.UtcNow),
            _ => AuthMetadata.Create(_authorized, DateTimeOffset.UtcNow),
        };
        byte[] compressed = gzip ? GzipRegisterRequest() : [];
        using var pool = new KestrelPoolMeter();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long poolBefore = pool.ResetPeak();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        // When
        StatusCode status = await SendRawAsync("RegisterNode", gzip ? Framed(compressed, compressedFlag: true) : new ZerosContent(RegisterPrefix(), InflatedBytes), gzip, metadata);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        long pooled = pool.PeakInUse - poolBefore;
        output.WriteLine($"{caller}, {(gzip ? $"gzip ({compressed.Length:N0} bytes on the wire)" : "plain")}: {status}; " +
            $"{allocated:N0} bytes allocated in the process, Kestrel's pool peaked {pooled:N0} bytes above its level before");

        // Then: refused with the status a Flower SuperLink gives (or, for compression, the gRPC status for an encoding the
        // server does not take), and neither the managed heap nor Kestrel's pools took in more than a sixteenth of the body
        Assert.Equal(expected, status);
        Assert.InRange(allocated, 0, InflatedBytes / 16);
        Assert.InRange(pooled, 0, InflatedBytes / 16);
        Assert.Empty(_fleet.OnlineNodes());
    }

    [Fact]
    public async Task Finding3_one_key_written_in_other_PEM_forms_is_one_node()
    {
        // Given: the authorized key registered and activated once
        var client = new W.Fleet.FleetClient(_channel);
        byte[] pem = _authorized.PublicKeyPem;
        ulong id = (await client.RegisterNodeAsync(new W.RegisterNodeFleetRequest { PublicKey = Google.Protobuf.ByteString.CopyFrom(pem) }, Signed(pem), cancellationToken: _timeout.Token)).NodeId;
        await client.ActivateNodeAsync(new W.ActivateNodeRequest { PublicKey = Google.Protobuf.ByteString.CopyFrom(pem), HeartbeatInterval = 30 }, Signed(pem), cancellationToken: _timeout.Token);

        // When: the same key, written five other ways, registers and activates (each call signed, key in the request and the metadata alike)
        string text = Encoding.ASCII.GetString(pem);
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string body = string.Concat(lines[1..^1]);
        string[] variants =
        [
            text.ReplaceLineEndings("\r\n"),
            text + "trailing text\n",
            text.TrimEnd('\n'),
            "a comment before the key\n" + text,
            lines[0] + "\n" + string.Join('\n', body.Chunk(76).Select(c => new string(c))) + "\n" + lines[^1] + "\n",
        ];
        var registered = new List<ulong>();
        var refused = new List<StatusCode>();
        var activated = new List<ulong>();
        foreach (byte[] variant in variants.Select(Encoding.ASCII.GetBytes))
        {
            var key = Google.Protobuf.ByteString.CopyFrom(variant);
            try
            {
                registered.Add((await client.RegisterNodeAsync(new W.RegisterNodeFleetRequest { PublicKey = key }, Signed(variant), cancellationToken: _timeout.Token)).NodeId);
            }
            catch (RpcException e)
            {
                refused.Add(e.StatusCode);
            }

            activated.Add((await client.ActivateNodeAsync(new W.ActivateNodeRequest { PublicKey = key, HeartbeatInterval = 30 }, Signed(variant), cancellationToken: _timeout.Token)).NodeId);
        }

        output.WriteLine($"{registered.Count} extra node id(s) registered, {refused.Count} registration(s) refused; online: {_fleet.OnlineNodes().Count}");

        // Then: one key is one node: every other form is refused as a key already in use (Flower's answer) and activates the same node
        Assert.Empty(registered);
        Assert.All(refused, s => Assert.Equal(StatusCode.FailedPrecondition, s));
        Assert.All(activated, a => Assert.Equal(id, a));
        Assert.Equal([id], _fleet.OnlineNodes());
    }

    [Fact]
    public async Task Finding10_node_ids_differ_between_servers_started_alike()
    {
        // Given: two servers started with the same (default) options
        var ids = new List<ulong>();
        for (int i = 0; i < 2; i++)
        {
            (_, Uri address) = await ServeAsync(new FlowerServerSecurity());
            using GrpcChannel channel = FlowerChannel.Create(address);
            using NodeIdentity identity = NodeIdentity.Create();
            var client = new W.Fleet.FleetClient(channel);

            // When: a node registers with each
            ids.Add((await client.RegisterNodeAsync(new W.RegisterNodeFleetRequest { PublicKey = Google.Protobuf.ByteString.CopyFrom(identity.PublicKeyPem) },
                AuthMetadata.Create(identity, DateTimeOffset.UtcNow), cancellationToken: _timeout.Token)).NodeId);
        }

        output.WriteLine($"first node ids: {ids[0]}, {ids[1]}");

        // Then: the ids are not the same (a seeded generator gave 16307136819700907362 to the first node of every run)
        Assert.NotEqual(ids[0], ids[1]);
        Assert.DoesNotContain(16307136819700907362UL, ids);
    }

    [Fact]
    public async Task Finding10_a_replayed_signed_call_is_refused_and_a_freshly_signed_one_is_not()
    {
        // Given: the authorized node registered, and the metadata of one of its calls as seen on the wire
        var client = new W.Fleet.FleetClient(_channel);
        byte[] pem = _authorized.PublicKeyPem;
        ulong id = (await client.RegisterNodeAsync(new W.RegisterNodeFleetRequest { PublicKey = Google.Protobuf.ByteString.CopyFrom(pem) }, Signed(pem), cancellationToken: _timeout.Token)).NodeId;
        await client.ActivateNodeAsync(new W.ActivateNodeRequest { PublicKey = Google.Protobuf.ByteString.CopyFrom(pem), HeartbeatInterval = 30 }, Signed(pem), cancellationToken: _timeout.Token);
        Metadata seen = Signed(pem);
        var heartbeat = new W.SendNodeHeartbeatRequest { Node = new W.Node { NodeId = id }, HeartbeatInterval = 30 };
        Assert.True((await client.SendNodeHeartbeatAsync(heartbeat, seen, cancellationToken: _timeout.Token)).Success);

        // When: the same metadata is sent again, on the same call and on another
        var again = await Assert.ThrowsAsync<RpcException>(async () => await client.SendNodeHeartbeatAsync(heartbeat, seen, cancellationToken: _timeout.Token));
        var elsewhere = await Assert.ThrowsAsync<RpcException>(async () => await client.PullMessagesAsync(new W.PullMessagesRequest { Node = new W.Node { NodeId = id } }, seen, cancellationToken: _timeout.Token));

        // ... and with the signature's s replaced by n − s, which verifies as well (ECDSA malleability)
        Metadata malleated = [new Metadata.Entry(AuthMetadata.PublicKeyKey, pem), new Metadata.Entry(AuthMetadata.TimestampKey, seen.GetValue(AuthMetadata.TimestampKey)!),
            new Metadata.Entry(AuthMetadata.SignatureKey, NegateS(seen.GetValueBytes(AuthMetadata.SignatureKey)!))];
        Assert.True(NodeIdentity.Verify(pem, seen.GetValue(AuthMetadata.TimestampKey)!, malleated.GetValueBytes(AuthMetadata.SignatureKey)));
        var negated = await Assert.ThrowsAsync<RpcException>(async () => await client.SendNodeHeartbeatAsync(heartbeat, malleated, cancellationToken: _timeout.Token));

        // Then: all are refused as replays; the node's next call, signed afresh, goes through
        Assert.Equal(StatusCode.Unauthenticated, again.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, elsewhere.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, negated.StatusCode);
        Assert.Contains("replay", again.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("replay", negated.Status.Detail, StringComparison.Ordinal);
        Assert.True((await client.SendNodeHeartbeatAsync(heartbeat, Signed(pem), cancellationToken: _timeout.Token)).Success);
    }

    private async Task<(FleetService Fleet, Uri Address)> ServeAsync(FlowerServerSecurity security)
    {
        var fleet = new FleetService();
        (WebApplication app, Uri address) = await FlowerServerHost.StartAsync(security, new IPEndPoint(IPAddress.Loopback, 0), fleet, null, _timeout.Token);
        _apps.Add(app);
        return (fleet, address);
    }

    /// <summary>Metadata signed by the authorized key now, with <paramref name="publicKey"/> as the key it names.</summary>
    private Metadata Signed(byte[] publicKey)
    {
        string timestamp = AuthMetadata.FormatTimestamp(DateTimeOffset.UtcNow);
        return new Metadata
        {
            { AuthMetadata.PublicKeyKey, publicKey },
            { AuthMetadata.TimestampKey, timestamp },
            { AuthMetadata.SignatureKey, _authorized.Sign(timestamp) },
        };
    }

    /// <summary>The other valid form of an ECDSA P-384 signature (r, s): (r, n − s), DER-encoded.</summary>
    private static byte[] NegateS(byte[] der)
    {
        var order = System.Numerics.BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        AsnReader sequence = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        System.Numerics.BigInteger r = sequence.ReadInteger();
        System.Numerics.BigInteger s = sequence.ReadInteger();
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(r);
            writer.WriteInteger(order - s);
        }

        return writer.Encode();
    }

    /// <summary>The protobuf bytes before the zeros of <c>RegisterNodeFleetRequest { public_key = 64 MiB of zeros }</c>: field 1's tag and length.</summary>
    private static byte[] RegisterPrefix()
    {
        var prefix = new byte[16];
        var output = new Google.Protobuf.CodedOutputStream(prefix);
        output.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
        output.WriteLength(InflatedBytes);
        output.Flush();
        return prefix[..(int)output.Position];
    }

    /// <summary>The request message gzip-compressed, written in pieces (the test never holds 64 MiB).</summary>
    private static byte[] GzipRegisterRequest()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(RegisterPrefix());
            byte[] zeros = new byte[64 * 1024];
            for (int written = 0; written < InflatedBytes; written += zeros.Length)
            {
                gzip.Write(zeros);
            }
        }

        return compressed.ToArray();
    }

    private static ByteArrayContent Framed(byte[] message, bool compressedFlag)
    {
        byte[] framed = new byte[5 + message.Length];
        framed[0] = compressedFlag ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
        message.CopyTo(framed, 5);
        return new ByteArrayContent(framed);
    }

    /// <summary>Sends one gRPC call as raw HTTP/2, as any peer can, and returns its gRPC status.</summary>
    private async Task<StatusCode> SendRawAsync(string method, HttpContent content, bool gzip, Metadata? metadata)
    {
        using var http = new HttpClient(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_address, "/flwr.proto.Fleet/" + method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (gzip)
        {
            request.Headers.TryAddWithoutValidation("grpc-encoding", "gzip");
        }

        foreach (Metadata.Entry entry in metadata ?? [])
        {
            request.Headers.TryAddWithoutValidation(entry.Key, entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value);
        }

        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, _timeout.Token);
        HttpHeaders headers = response.Headers.Contains("grpc-status") ? response.Headers : response.TrailingHeaders;
        string status = headers.GetValues("grpc-status").Single();
        output.WriteLine($"grpc-status {status}: {(headers.TryGetValues("grpc-message", out IEnumerable<string>? message) ? Uri.UnescapeDataString(message.Single()) : "")}");
        return (StatusCode)int.Parse(status, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>gRPC framing (uncompressed) of a message made of a prefix and then zeros, written in 64 KiB pieces without holding the message.</summary>
    private sealed class ZerosContent(byte[] prefix, int zeros) : HttpContent
    {
        private static readonly byte[] Zeros = new byte[64 * 1024];

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            byte[] header = new byte[5];
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)(prefix.Length + zeros));
            await stream.WriteAsync(header);
            await stream.WriteAsync(prefix);
            for (int written = 0; written < zeros; written += Zeros.Length)
            {
                await stream.WriteAsync(Zeros.AsMemory(0, Math.Min(Zeros.Length, zeros - written)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false; // as gRPC clients send: no content-length
        }
    }
}
