using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flip.Flower.Fleet;

/// <summary>Hosts a <see cref="FleetService"/> on Kestrel over HTTP/2, with Flower's 512 MiB message limit.</summary>
public static class FleetServerHost
{
    /// <summary>Starts serving the Fleet API.</summary>
    /// <param name="service">The service instance (its state is shared with the caller).</param>
    /// <param name="endpoint">Where to listen; port 0 picks a free port (see the returned address).</param>
    /// <param name="certificate">TLS certificate with private key, or <see langword="null"/> for plaintext HTTP/2 (loopback only).</param>
    /// <param name="ct">Cancels start-up.</param>
    /// <returns>The running application (stop and dispose it) and the address clients use.</returns>
    public static async Task<(WebApplication App, Uri Address)> StartAsync(FleetService service, IPEndPoint endpoint, X509Certificate2? certificate, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(endpoint);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = FlowerChannel.MaxMessageSize;
            o.MaxSendMessageSize = FlowerChannel.MaxMessageSize;
        });
        builder.Services.AddSingleton(service);
        WebApplication app = builder.Build();
        app.MapGrpcService<FleetService>();
        await app.StartAsync(ct).ConfigureAwait(false);
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(bound.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }
}
