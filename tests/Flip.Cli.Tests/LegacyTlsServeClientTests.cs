using System.Globalization;

namespace Flip.Cli.Tests;

/// <summary>Issue #21, finding 4: <c>serve --transport legacy</c> honours TLS and mutual TLS (it used to listen in plaintext whatever it was given).</summary>
public sealed class LegacyTlsServeClientTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-legacy-tls-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string P(string name) => Path.Combine(_folder, name);

    [Fact]
    public async Task Over_mutual_tls_a_legacy_client_with_a_certificate_trains_and_one_without_is_refused()
    {
        CliProcess.Result certs = CliProcess.Run("dev-certs", "--out", P("certs"), "--nodes", "site-1");
        Assert.True(certs.ExitCode == 0, certs.All);
        string port = CliProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        using var server = NodeProcess.Start("serve", "--transport", "legacy", "--port", port, "--rounds", "1", "--min-nodes", "1", "--min-sites", "1", "--base-channels", "4",
            "--wait-seconds", "300", "--out", P("run"), "--tls-cert", P("certs/server.pem"), "--tls-key", P("certs/server-key.pem"), "--tls-client-ca", P("certs/ca.pem"));
        string[] common = ["client", "--transport", "legacy", "--server", $"https://localhost:{port}", "--scale", "0.02", "--base-channels", "4", "--device", "cpu",
            "--tls-ca", P("certs/ca.pem")];

        // A client that trusts the server but holds no certificate from the study's CA: the TLS handshake fails, it never joins.
        using (var stranger = NodeProcess.Start([.. common, "--site", "site-1", "--key", P("stranger.key")]))
        {
            Assert.True(await stranger.WaitAsync(TimeSpan.FromMinutes(5)), "the client without a certificate was neither admitted nor refused");
            Assert.NotEqual(0, stranger.ExitCode);
            Assert.DoesNotContain("joined", server.Output);
        }

        using var known = NodeProcess.Start([.. common, "--site", "site-1", "--key", P("site-1.key"), "--tls-cert", P("certs/site-1.pem"), "--tls-key", P("certs/site-1-key.pem")]);
        Assert.True(await server.WaitAsync(TimeSpan.FromMinutes(10)), "serve did not finish within ten minutes");
        Assert.True(server.ExitCode == 0, server.Output + known.Output);
        Assert.Contains("Legacy FlowerService listening on https://", server.Output);
        Assert.Contains("No node keys on the legacy transport: any client holding a certificate from the client CA (--tls-client-ca) can join.", server.Output);
        Assert.DoesNotContain("without TLS", server.Output);
        Assert.True(File.Exists(P("run/final-model.safetensors")));
    }
}
