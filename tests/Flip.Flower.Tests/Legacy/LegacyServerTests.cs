using System.Net;
using Flip.Flower.Fleet;
using Flip.Flower.Legacy;
using Flip.Flower.Npy;
using Flip.Flower.Records;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Tests.Legacy;

/// <summary>Our legacy server driving our legacy client over loopback gRPC.</summary>
public sealed class LegacyServerTests
{
    /// <summary>Adds 1 to every value; blocks in train when told to.</summary>
    private sealed class PlusOneApp(TaskCompletionSource? block = null, TaskCompletionSource? started = null) : IFlowerApp
    {
        public async Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct)
        {
            started?.TrySetResult();
            if (block is not null)
            {
                await block.Task;
            }

            var arrays = new ArrayRecord();
            foreach ((string name, NpyArray a) in (ArrayRecord)instruction.Content[RecordKeys.Arrays])
            {
                arrays.Add(name, NpyArray.FromValues<float>(a.ToArray<float>().Select(v => v + 1).ToArray(), [.. a.Shape]));
            }

            return new RecordDict
            {
                { RecordKeys.Arrays, arrays },
                { RecordKeys.Metrics, new MetricRecord { { RecordKeys.NumExamples, RecordValue.Of(5L) } } },
            };
        }

        public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct) =>
            Task.FromResult(new RecordDict
            {
                {
                    RecordKeys.Metrics, new MetricRecord
                    {
                        { "loss", RecordValue.Of((double)((ArrayRecord)instruction.Content[RecordKeys.Arrays])["0"].ToArray<float>()[0]) },
                        { RecordKeys.NumExamples, RecordValue.Of(5L) },
                    }
                },
            });

        public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct) =>
            Task.FromResult(new RecordDict { { RecordKeys.Arrays, ArrayRecord.FromList([NpyArray.FromValues<float>([0f, 0f], 2)]) } });
    }

    private static async Task<(WebApplication App, GrpcChannel Channel, LegacyFlowerService Service)> StartAsync()
    {
        var service = new LegacyFlowerService();
        (WebApplication app, Uri address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, null, service, CancellationToken.None);
        return (app, FlowerChannel.Create(address), service);
    }

    [Fact]
    public async Task Three_rounds_of_fit_and_evaluate_then_reconnect()
    {
        (WebApplication app, GrpcChannel channel, LegacyFlowerService service) = await StartAsync();
        await using (app)
        using (channel)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            Task<long?> client = new LegacyFlowerClient(channel.CreateCallInvoker(), new PlusOneApp(), "loopback").RunAsync(timeout.Token);
            LegacyClientProxy proxy = await service.WaitForClientAsync(timeout.Token);

            W.ClientMessage.Types.GetParametersRes initial = await proxy.GetParametersAsync(new ConfigRecord(), timeout.Token);
            ArrayRecord model = LegacyConversions.ToArrayRecord(initial.Parameters);
            var losses = new List<float>();
            for (long round = 1; round <= 3; round++)
            {
                var config = new ConfigRecord { { "server_round", RecordValue.Of(round) } };
                W.ClientMessage.Types.FitRes fit = await proxy.FitAsync(model, config, timeout.Token);
                Assert.Equal(W.Code.Ok, fit.Status.Code);
                Assert.Equal(5, fit.NumExamples);
                model = LegacyConversions.ToArrayRecord(fit.Parameters);
                losses.Add((await proxy.EvaluateAsync(model, config, timeout.Token)).Loss);
            }

            Assert.Equal(W.Reason.Reconnect, await proxy.DisconnectAsync(0, timeout.Token));
            Assert.Equal(0, await client);
            Assert.Equal([1f, 2f, 3f], losses);
            Assert.Equal([3f, 3f], model["0"].ToArray<float>());
            Assert.True(proxy.IsClosed);
            await app.StopAsync();
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Issue21_a_client_message_larger_than_the_model_allows_ends_its_stream_unread(bool limitFromModel)
    {
        // Given: a server whose client-message limit comes from its model (1,000 floats: about 1 MiB), or Flower's 512 MiB
        var service = limitFromModel
            ? new LegacyFlowerService { MaxClientMessageBytes = LegacyFlowerService.ClientMessageLimitFor(SyntheticUpdateApp.Model(1, 1000)) }
            : new LegacyFlowerService();
        (WebApplication app, Uri address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, null, service, CancellationToken.None);
        await using (app)
        using (GrpcChannel channel = FlowerChannel.Create(address))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            Task<long?> client = new LegacyFlowerClient(channel.CreateCallInvoker(), new PlusOneApp(), "loopback").RunAsync(timeout.Token);
            LegacyClientProxy proxy = await service.WaitForClientAsync(timeout.Token);

            // When: the client answers a fit with a 1,000,000-float update (4 MB)
            Task<W.ClientMessage.Types.FitRes> fit = proxy.FitAsync(ArrayRecord.FromList([NpyArray.FromValues<float>(new float[1_000_000], 1_000_000)]), new ConfigRecord(), timeout.Token);

            // Then: with the model's limit the server ends that client's stream when the reply's length arrives (the
            // gRPC read fails; the client sees the reset that follows); with 512 MiB the same reply is read
            if (limitFromModel)
            {
                var lost = await Assert.ThrowsAsync<FlowerProtocolException>(() => fit);
                await Assert.ThrowsAsync<FlowerProtocolException>(() => client);
                Assert.EndsWith("was lost (RpcException).", lost.Message, StringComparison.Ordinal);
                Assert.True(proxy.IsClosed);
                Assert.InRange(service.MaxClientMessageBytes, 1 << 20, 2 << 20);
            }
            else
            {
                Assert.Equal(5, (await fit).NumExamples);
                Assert.Equal(W.Reason.Reconnect, await proxy.DisconnectAsync(0, timeout.Token));
                Assert.Equal(0, await client);
            }
        }
    }

    [Fact]
    public async Task A_client_late_for_the_round_deadline_is_aborted_with_deadline_exceeded()
    {
        (WebApplication app, GrpcChannel channel, LegacyFlowerService service) = await StartAsync();
        await using (app)
        using (channel)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var block = new TaskCompletionSource();
            var started = new TaskCompletionSource();
            Task<long?> client = new LegacyFlowerClient(channel.CreateCallInvoker(), new PlusOneApp(block, started), "loopback").RunAsync(timeout.Token);
            LegacyClientProxy proxy = await service.WaitForClientAsync(timeout.Token);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);

            // The deadline passes while the client is still training.
            Task<W.ClientMessage.Types.FitRes> fit = proxy.FitAsync(ArrayRecord.FromList([NpyArray.FromValues<float>([1f], 1)]), new ConfigRecord(), deadline.Token);
            await started.Task.WaitAsync(timeout.Token);
            await deadline.CancelAsync();
            var e = await Assert.ThrowsAsync<FlowerProtocolException>(() => fit);
            block.SetResult();
            var ended = await Assert.ThrowsAsync<FlowerProtocolException>(() => client);

            Assert.True(proxy.IsClosed);
            // The server ends the call with DEADLINE_EXCEEDED; whether the client reads that status or
            // the HTTP/2 reset that follows (CANCELLED) depends on when its late reply hits the closed stream.
            Assert.Matches("^Flower server loopback: FlowerService/Join failed with (DeadlineExceeded|Cancelled): ", ended.Message);
            Assert.EndsWith("did not answer before the deadline; the session was aborted.", e.Message, StringComparison.Ordinal);
            await app.StopAsync();
        }
    }
}
