using System.Globalization;

namespace Flip.Cli.Tests;

/// <summary>serve and client as real processes over TLS with mutual TLS and an authorized-keys file, all made by dev-certs and client --export-public-key.</summary>
public sealed class SecureServeClientTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-tls-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string P(string name) => Path.Combine(_folder, name);

    [Fact]
    public async Task Over_mutual_tls_the_authorized_node_trains_and_a_stranger_is_refused_and_logged_by_its_key_fingerprint()
    {
        CliProcess.Result certs = CliProcess.Run("dev-certs", "--out", P("certs"), "--nodes", "site-1,site-2");
        Assert.True(certs.ExitCode == 0, certs.All);
        CliProcess.Result export = CliProcess.Run("client", "--key", P("site-2.key"), "--export-public-key");
        Assert.True(export.ExitCode == 0, export.All);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----\n", export.Output, StringComparison.Ordinal);
        File.WriteAllText(P("authorized-keys.pem"), "# hospitals of the study\n" + export.Output);

        string port = CliProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        string[] tls = ["--tls-ca", P("certs/ca.pem")];
        using var server = NodeProcess.Start("serve", "--port", port, "--rounds", "1", "--min-nodes", "1", "--base-channels", "4", "--wait-seconds", "300",
            "--out", P("run"), "--tls-cert", P("certs/server.pem"), "--tls-key", P("certs/server-key.pem"), "--tls-client-ca", P("certs/ca.pem"),
            "--authorized-keys", P("authorized-keys.pem"));
        string[] common = ["client", "--server", $"https://localhost:{port}", "--scale", "0.02", "--base-channels", "4", "--device", "cpu", .. tls];

        // A hospital with a valid certificate from the study's CA, but a signing key the coordinator never authorized.
        using (var stranger = NodeProcess.Start([.. common, "--site", "site-1", "--key", P("stranger.key"), "--tls-cert", P("certs/site-1.pem"), "--tls-key", P("certs/site-1-key.pem")]))
        {
            Assert.True(await stranger.WaitAsync(TimeSpan.FromMinutes(5)), "the stranger was neither admitted nor refused");
            Assert.Equal(5, stranger.ExitCode);
            Assert.Contains("RegisterNode failed with PermissionDenied: this node's public key (SHA256:", stranger.Output);
            string fingerprint = stranger.Output.Split("node key ")[1].Split(';')[0];
            Assert.Contains($"Refused RegisterNode from ipv4:127.0.0.1:", server.Output);
            Assert.Contains($"node key {fingerprint} is not in the authorized keys ({P("authorized-keys.pem")})", server.Output);
        }

        using var known = NodeProcess.Start([.. common, "--site", "site-2", "--key", P("site-2.key"), "--tls-cert", P("certs/site-2.pem"), "--tls-key", P("certs/site-2-key.pem")]);
        Assert.True(await server.WaitAsync(TimeSpan.FromMinutes(10)), "serve did not finish within ten minutes");
        Assert.True(server.ExitCode == 0, server.Output + known.Output);
        Assert.Contains("Node authentication: 1 authorized node key(s)", server.Output);
        Assert.Contains("Fleet API listening on https://", server.Output);
        Assert.DoesNotContain("without TLS", server.Output);
        string metrics = File.ReadAllText(P("run/metrics.csv"));
        string[] trainedBy = [.. metrics.Split('\n').Where(l => l.Contains(",train,loss,", StringComparison.Ordinal)).Select(l => l.Split(',')[1]).Distinct()];
        Assert.Single(trainedBy);
        Assert.Contains("node key SHA256:", known.Output);
    }
}
