using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Grpc.Core;
using Xunit.Abstractions;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Tests.Fleet;

/// <summary>Runs alone: it reads the process-wide Kestrel memory-pool meter, which other servers would disturb.</summary>
[CollectionDefinition(nameof(ServerMemoryCollection), DisableParallelization = true)]
public sealed class ServerMemoryCollection;

/// <summary>
/// What keeps the Fleet server's memory independent of the number of nodes: large objects are streamed to nodes with
/// back-pressure (a node that does not read holds a few KiB of the server, not the object), the objects of the global
/// model are views of the model rather than a copy, and a reply handled by the strategy is garbage at once.
/// </summary>
[Collection(nameof(ServerMemoryCollection))]
public sealed class ServerMemoryTests(ITestOutputHelper output)
{
    private const ulong RunId = 11;

    [Fact]
    public async Task Nodes_that_do_not_read_their_downloads_hold_kilobytes_of_the_server_not_whole_objects()
    {
        // Given: a server holding a train instruction whose two 4 MB arrays are views of the model, and a registered node
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var pool = new KestrelPoolMeter();
        await using var server = await InstructedServer.StartAsync(arrays: 2, timeout.Token);
        var (fleet, address, channel, identity, nodeId) = (server.Fleet, server.Address, server.Channel, server.Identity, server.NodeId);
        FlowerObject chunk = server.Objects.First(o => o.TypeName == "ArrayChunk");
        Assert.False(chunk.IsContiguous);
        long before = pool.ResetPeak();

        // When: 16 downloads of the 4 MB chunk are opened and none is read (the client's 64 KiB stream windows stay shut)
        using var http = new HttpClient(new SocketsHttpHandler());
        var responses = new List<HttpResponseMessage>();
        for (int i = 0; i < 16; i++)
        {
            responses.Add(await http.SendAsync(PullRequest(address, identity, nodeId, chunk.Id), HttpCompletionOption.ResponseHeadersRead, timeout.Token));
        }

        await Task.Delay(TimeSpan.FromSeconds(2), timeout.Token);
        long held = pool.PeakInUse - before;
        output.WriteLine($"16 unread downloads of a {chunk.Length:N0}-byte object: Kestrel's pool peaked {held:N0} bytes above its level before them");

        // Then: the server holds far less than one object per open download (buffered whole, 16 of them would be 64 MB)
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.InRange(held, 0, 8L << 20);

        // ... and a download that is read gets exactly the bytes gRPC would have sent, then grpc-status 0
        byte[] framed = await responses[0].Content.ReadAsByteArrayAsync(timeout.Token);
        Assert.Equal(0, framed[0]);
        Assert.Equal(framed.Length - 5, (int)BinaryPrimitives.ReadUInt32BigEndian(framed.AsSpan(1)));
        var streamed = W.PullObjectResponse.Parser.ParseFrom(framed.AsSpan(5));
        Assert.True(streamed.ObjectFound);
        Assert.True(streamed.ObjectAvailable);
        Assert.Equal(chunk.Content.ToArray(), streamed.ObjectContent.ToByteArray());
        Assert.Equal(chunk.Id, FlowerObject.ComputeId(streamed.ObjectContent.Span));
        Assert.Equal("0", Assert.Single(responses[0].TrailingHeaders.GetValues("grpc-status")));
        responses.ForEach(r => r.Dispose());

        // ... the gRPC client reads the same response, and the server keeps working after the abandoned downloads
        var client = new W.Fleet.FleetClient(channel);
        W.PullObjectResponse pulled = await client.PullObjectAsync(new W.PullObjectRequest { Node = new W.Node { NodeId = nodeId }, RunId = RunId, ObjectId = chunk.Id },
            AuthMetadata.Create(identity, DateTimeOffset.UtcNow), cancellationToken: timeout.Token);
        Assert.Equal(chunk.Content.ToArray(), pulled.ObjectContent.ToByteArray());
        Assert.Equal(2, fleet.StreamedObjectCount);
    }

    [Fact]
    public async Task Calls_that_are_not_plain_large_downloads_get_the_services_own_answers()
    {
        // Given: a server holding a model's instruction and a registered node
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var server = await InstructedServer.StartAsync(arrays: 1, timeout.Token);
        var (fleet, channel, identity, nodeId) = (server.Fleet, server.Channel, server.Identity, server.NodeId);
        FlowerObject chunk = server.Objects.First(o => o.TypeName == "ArrayChunk");
        FlowerObject small = server.Objects.First(o => o.TypeName == "ArrayRecord");
        var client = new W.Fleet.FleetClient(channel);
        W.PullObjectRequest Request(ulong node, string id) => new() { Node = new W.Node { NodeId = node }, RunId = RunId, ObjectId = id };
        Metadata Signed() => AuthMetadata.Create(identity, DateTimeOffset.UtcNow);

        // When/Then: an unsigned call, or one naming another node, is refused exactly as the service refuses it
        var unsigned = await Assert.ThrowsAsync<RpcException>(async () => await client.PullObjectAsync(Request(nodeId, chunk.Id), cancellationToken: timeout.Token));
        Assert.Equal(StatusCode.Unauthenticated, unsigned.StatusCode);
        var otherNode = await Assert.ThrowsAsync<RpcException>(async () => await client.PullObjectAsync(Request(nodeId + 1, chunk.Id), Signed(), cancellationToken: timeout.Token));
        Assert.Equal(StatusCode.PermissionDenied, otherNode.StatusCode);

        // ... an unknown object is "not found", and a small object comes whole from the service
        Assert.False((await client.PullObjectAsync(Request(nodeId, new string('0', 64)), Signed(), cancellationToken: timeout.Token)).ObjectFound);
        Assert.Equal(small.Content.ToArray(), (await client.PullObjectAsync(Request(nodeId, small.Id), Signed(), cancellationToken: timeout.Token)).ObjectContent.ToByteArray());
        Assert.Equal(0, fleet.StreamedObjectCount);

        // ... while the large chunk is streamed
        Assert.Equal(chunk.Content.ToArray(), (await client.PullObjectAsync(Request(nodeId, chunk.Id), Signed(), cancellationToken: timeout.Token)).ObjectContent.ToByteArray());
        Assert.Equal(1, fleet.StreamedObjectCount);
    }

    [Fact]
    public async Task A_reply_handed_to_the_strategy_is_garbage_before_the_next_one_is_taken()
    {
        // Given: three nodes sending 4 MB updates to a FedAvg server that collects garbage after each reply
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var fleet = new FleetService(new FleetServiceOptions { MaxConcurrentReplies = 1 });
        fleet.StartRun(1);
        var (app, address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, fleet, null, timeout.Token);
        await using var _ = app;
        using var channel = FlowerChannel.Create(address);
        var identities = Enumerable.Range(0, 3).Select(_ => NodeIdentity.Create()).ToList();
        using var stopNodes = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var running = identities.Select((identity, i) => new FlowerNode(channel.CreateCallInvoker(), identity, new SyntheticUpdateApp(i + 1, 10), address.ToString(),
            new FlowerNodeOptions { PollInterval = TimeSpan.FromMilliseconds(50) }).RunAsync(stopNodes.Token)).ToList();
        var federation = new FleetFederation(fleet, 1, new FedAvg(), new FleetFederationOptions { Rounds = 1, MinNodes = 3, CollectAfterEachUpdate = true });
        var stillAlive = new List<bool>();
        federation.AfterCollection = () => stillAlive.Add(federation.LastHandledReply is { } reply && reply.TryGetTarget(out FlowerMessage? _));

        // When: one round (3 train replies, 3 evaluate replies)
        RunResult result = await federation.RunAsync(SyntheticUpdateApp.Model(1, 1_000_000), ct: timeout.Token);
        await stopNodes.CancelAsync();
        await Task.WhenAll(running);
        identities.ForEach(i => i.Dispose());

        // Then: after each reply was handled, the collection freed it: nothing the server keeps refers to it
        Assert.Empty(result.Failures);
        Assert.Equal(6, stillAlive.Count);
        Assert.All(stillAlive, Assert.False);
    }

    /// <summary>A Fleet server on loopback, one registered node, and a train instruction for it holding a model of 4 MB float32 arrays.</summary>
    private sealed class InstructedServer : IAsyncDisposable
    {
        private Microsoft.AspNetCore.Builder.WebApplication? _app;

        public required FleetService Fleet { get; init; }

        public required Uri Address { get; init; }

        public required Grpc.Net.Client.GrpcChannel Channel { get; init; }

        public required NodeIdentity Identity { get; init; }

        public required ulong NodeId { get; init; }

        /// <summary>The instruction's objects, as the server holds them.</summary>
        public required IReadOnlyList<FlowerObject> Objects { get; init; }

        public static async Task<InstructedServer> StartAsync(int arrays, CancellationToken ct)
        {
            var fleet = new FleetService();
            fleet.StartRun(RunId);
            var (app, address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, fleet, null, ct);
            var channel = FlowerChannel.Create(address);
            var identity = NodeIdentity.Create();
            ulong nodeId = await new FlowerNode(channel.CreateCallInvoker(), identity, new SyntheticUpdateApp(1, 1), address.ToString()).RegisterAsync(ct);
            var content = new RecordDict { { RecordKeys.Arrays, SyntheticUpdateApp.Model(arrays, 1_000_000).ToArrayRecord() } };
            fleet.SendInstruction(nodeId, RunId, "train", content);
            return new InstructedServer
            {
                _app = app,
                Fleet = fleet,
                Address = address,
                Channel = channel,
                Identity = identity,
                NodeId = nodeId,
                Objects = [.. ObjectCodec.Deflate(new FlowerMessage(new W.Metadata { RunId = RunId, MessageType = "train" }, content)).Objects.Values],
            };
        }

        public async ValueTask DisposeAsync()
        {
            Identity.Dispose();
            Channel.Dispose();
            await _app!.DisposeAsync();
        }
    }

    private static HttpRequestMessage PullRequest(Uri server, NodeIdentity identity, ulong nodeId, string objectId)
    {
        byte[] message = Google.Protobuf.MessageExtensions.ToByteArray(new W.PullObjectRequest { Node = new W.Node { NodeId = nodeId }, RunId = RunId, ObjectId = objectId });
        byte[] framed = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
        message.CopyTo(framed, 5);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, ObjectDownloads.Path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(framed),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (Metadata.Entry entry in AuthMetadata.Create(identity, DateTimeOffset.UtcNow))
        {
            request.Headers.TryAddWithoutValidation(entry.Key, entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value);
        }

        return request;
    }
}
