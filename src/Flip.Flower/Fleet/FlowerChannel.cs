using Grpc.Net.Client;

namespace Flip.Flower.Fleet;

/// <summary>Creates gRPC channels the way Flower configures them (512 MiB messages both ways).</summary>
public static class FlowerChannel
{
    /// <summary>Flower's maximum gRPC message size: 536,870,912 bytes.</summary>
    public const int MaxMessageSize = 536_870_912;

    /// <summary>Creates a channel to a Flower server.</summary>
    /// <param name="address">For example <c>https://superlink.example.org:9092</c>, or <c>http://127.0.0.1:9092</c> (insecure; loopback only).</param>
    /// <param name="httpHandler">A handler carrying TLS settings (custom root CA) or a test transport; <see langword="null"/> for the default.</param>
    /// <returns>The channel; dispose it after the node stops.</returns>
    public static GrpcChannel Create(Uri address, HttpMessageHandler? httpHandler = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = MaxMessageSize,
            MaxSendMessageSize = MaxMessageSize,
            HttpHandler = httpHandler,
        });
    }
}
