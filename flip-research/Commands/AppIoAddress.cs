namespace Flip.Cli.Commands;

/// <summary>The HOST:PORT addresses of Flower's app APIs (ServerAppIo, ClientAppIo), written as Flower's own app processes take them.</summary>
internal static class AppIoAddress
{
    /// <summary>The gRPC address of <paramref name="address"/>: https when TLS files were given, else http (loopback only).</summary>
    public static Uri Parse(string address, bool tls, string option, string example)
    {
        if (address.Contains("://", StringComparison.Ordinal) || !Uri.TryCreate((tls ? "https://" : "http://") + address, UriKind.Absolute, out Uri? uri)
            || !address.EndsWith(":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
        {
            throw new FlipException($"{option} '{address}' is not HOST:PORT.", ExitCodes.BadCommandLine, $"pass it as Flower's processes take it, e.g. {option} {example}.");
        }

        return uri;
    }
}
