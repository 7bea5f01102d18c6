using System.Net;
using System.Security.Cryptography.X509Certificates;
using Flip.Flower.Legacy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flip.Flower.Fleet;

/// <summary>
/// Hosts a <see cref="FleetService"/> and/or a <see cref="LegacyFlowerService"/> on Kestrel over HTTP/2. Every call passes
/// <see cref="RequestGate"/> before its body is read (no request compression; Fleet calls authenticated from their metadata);
/// Fleet requests are read up to <see cref="FleetService.MaxRequestBytes"/>, legacy client messages up to
/// <see cref="LegacyFlowerService.MaxClientMessageBytes"/>.
/// </summary>
public static class FlowerServerHost
{
    /// <summary>Starts serving.</summary>
    /// <param name="endpoint">Where to listen; port 0 picks a free port (see the returned address). Flower's defaults: Fleet API 9092, legacy 8080.</param>
    /// <param name="certificate">TLS certificate with private key, or <see langword="null"/> for plaintext HTTP/2 (loopback only).</param>
    /// <param name="fleet">The Fleet API service, or <see langword="null"/>.</param>
    /// <param name="legacy">The legacy <c>FlowerService</c>, or <see langword="null"/>.</param>
    /// <param name="ct">Cancels start-up.</param>
    /// <returns>The running application (stop and dispose it) and the address clients use.</returns>
    /// <exception cref="ArgumentException">Neither service is given.</exception>
    public static Task<(WebApplication App, Uri Address)> StartAsync(IPEndPoint endpoint, X509Certificate2? certificate, FleetService? fleet, LegacyFlowerService? legacy, CancellationToken ct) =>
        StartAsync(new FlowerServerSecurity { Certificate = certificate }, endpoint, fleet, legacy, ct);

    /// <summary>Starts serving with TLS, mutual TLS and/or a node allow-list.</summary>
    /// <param name="security">The TLS certificate, client CA and authorized node keys.</param>
    /// <param name="endpoint">Where to listen; port 0 picks a free port.</param>
    /// <param name="fleet">The Fleet API service, or <see langword="null"/>.</param>
    /// <param name="legacy">The legacy <c>FlowerService</c>, or <see langword="null"/>.</param>
    /// <param name="ct">Cancels start-up.</param>
    /// <returns>The running application and the address clients use.</returns>
    /// <exception cref="ArgumentException">Neither service is given.</exception>
    /// <exception cref="FlipException">Plaintext on an address that is not loopback, a client CA without a server certificate, or authorized node keys without a Fleet service.</exception>
    public static async Task<(WebApplication App, Uri Address)> StartAsync(FlowerServerSecurity security, IPEndPoint endpoint, FleetService? fleet, LegacyFlowerService? legacy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(security);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (fleet is null && legacy is null)
        {
            throw new ArgumentException("Give a Fleet service, a legacy service or both.", nameof(fleet));
        }

        ServerTransportGuard.Check(security, endpoint, fleet is not null);

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (security.Certificate is not null)
            {
                listen.UseHttps(ServerTransportGuard.HttpsOptions(security));
            }
        }));
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = FlowerChannel.MaxMessageSize;
            o.MaxSendMessageSize = FlowerChannel.MaxMessageSize;
            o.CompressionProviders.Clear(); // nothing is ever inflated; RequestGate answers a compressed call first
        }).AddServiceOptions<FleetService>(o => o.MaxReceiveMessageSize = FleetService.MaxRequestBytes)
            .AddServiceOptions<LegacyFlowerService>(o => o.MaxReceiveMessageSize = legacy?.MaxClientMessageBytes ?? FlowerChannel.MaxMessageSize);

        if (fleet is not null)
        {
            builder.Services.AddSingleton(fleet);
        }

        if (legacy is not null)
        {
            builder.Services.AddSingleton(legacy);
        }

        WebApplication app = builder.Build();
        app.Use((http, next) => RequestGate.InvokeAsync(http, next, fleet, security.AuthorizedKeys, security.Logger));
        if (fleet is not null)
        {
            // Large PullObject responses are streamed with back-pressure instead of being buffered whole (ObjectDownloads).
            app.Use((http, next) => ObjectDownloads.InvokeAsync(http, next, fleet));
            app.MapGrpcService<FleetService>();
        }

        if (legacy is not null)
        {
            app.MapGrpcService<LegacyFlowerService>();
        }

        await app.StartAsync(ct).ConfigureAwait(false);
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(bound.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }
}
