using System.Net;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Flip.Flower.Objects;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Tests.Fleet;

/// <summary>Issue #21, finding 2 on the node: a hospital node runs the same rebuild on the server's instructions, so a hostile server gets the same bounds.</summary>
[Collection(nameof(ServerMemoryCollection))]
public sealed class HostileServerBoundsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_instruction_that_repeats_one_chunk_beyond_the_nodes_budget_is_refused_before_it_is_rebuilt()
    {
        // Given: a server (over real gRPC on loopback) whose train instruction lists one 5 MiB chunk 300 times (1.5 GiB declared) under two names
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var metadata = new W.Metadata { RunId = 1, SrcNodeId = 1, DstNodeId = 5, MessageId = new string('a', 64), MessageType = "train", CreatedAt = FlowerNode.UnixSeconds(DateTimeOffset.UtcNow), Ttl = 3600 };
        DeflatedMessage instruction = HostileNode.RepeatedChunkReply(metadata, "w", ObjectCodec.MaxChunkSize, 300, 2);
        instruction.Message.Metadata.ReplyToMessageId = string.Empty;
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(new IPEndPoint(IPAddress.Loopback, 0), l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(o => o.MaxSendMessageSize = FlowerChannel.MaxMessageSize);
        builder.Services.AddSingleton(new HostileServer(instruction));
        await using WebApplication app = builder.Build();
        app.MapGrpcService<HostileServer>();
        await app.StartAsync(timeout.Token);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var channel = FlowerChannel.Create(address);
        using var identity = NodeIdentity.Create();
        var node = new FlowerNode(channel.CreateCallInvoker(), identity, new SyntheticUpdateApp(1, 1), address.ToString(), new FlowerNodeOptions { FetchRunInfo = false });
        await node.RegisterAsync(timeout.Token);

        // When: the node polls
        FlowerProtocolException refused;
        long peak;
        using (var memory = new ManagedPeak())
        {
            refused = await Assert.ThrowsAsync<FlowerProtocolException>(() => node.PollOnceAsync(timeout.Token));
            peak = memory.Peak;
        }

        output.WriteLine($"{refused.Message} Managed peak {peak:N0} B above the start.");

        // Then: refused by its budget (1 GiB by default) with about the 10 MiB downloaded held, not 3 GiB rebuilt
        Assert.Contains("the message may take 1073741824", refused.Message, StringComparison.Ordinal);
        Assert.InRange(peak, 0, 128L << 20);
    }

    /// <summary>Answers a node's calls with one fixed instruction and its objects.</summary>
    private sealed class HostileServer(DeflatedMessage instruction) : W.Fleet.FleetBase
    {
        private int _pulled;

        public override Task<W.RegisterNodeFleetResponse> RegisterNode(W.RegisterNodeFleetRequest request, ServerCallContext context) => Task.FromResult(new W.RegisterNodeFleetResponse { NodeId = 5 });

        public override Task<W.ActivateNodeResponse> ActivateNode(W.ActivateNodeRequest request, ServerCallContext context) => Task.FromResult(new W.ActivateNodeResponse { NodeId = 5 });

        public override Task<W.PullMessagesResponse> PullMessages(W.PullMessagesRequest request, ServerCallContext context)
        {
            var response = new W.PullMessagesResponse();
            if (Interlocked.Increment(ref _pulled) == 1)
            {
                response.MessagesList.Add(instruction.Message);
                response.MessageObjectTrees.Add(instruction.Tree);
            }

            return Task.FromResult(response);
        }

        public override Task<W.PullObjectResponse> PullObject(W.PullObjectRequest request, ServerCallContext context) => Task.FromResult(
            new W.PullObjectResponse { ObjectFound = true, ObjectAvailable = true, ObjectContent = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(instruction.Objects[request.ObjectId].Content) });
    }
}
