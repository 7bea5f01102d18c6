using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using RecordDict = Flip.Flower.Records.RecordDict;

namespace Flip.Flower.Tests.Fleet;

/// <summary>dev-certs' CA and certificates used for real TLS and mutual TLS on loopback, the node allow-list over real gRPC, and the TLS file errors.</summary>
public sealed class DevCertificateTlsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-devcerts-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed class IdleApp : IFlowerApp
    {
        public Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct) => throw new NotSupportedException();

        public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct) => throw new NotSupportedException();

        public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct) => throw new NotSupportedException();
    }

    private string Certs(string name, params string[] nodes)
    {
        string folder = Path.Combine(_folder, name);
        DevCertificates.Write(folder, nodes, TimeSpan.FromDays(1));
        return folder;
    }

    private static async Task<(WebApplication App, Uri Address, FleetService Fleet)> ServeAsync(FlowerServerSecurity security)
    {
        var fleet = new FleetService();
        (WebApplication app, Uri address) = await FlowerServerHost.StartAsync(security, new IPEndPoint(IPAddress.Loopback, 0), fleet, null, CancellationToken.None);
        return (app, address, fleet);
    }

    private static FlowerServerSecurity ServerTls(string certs, bool mutual = false) => new()
    {
        Certificate = TlsFiles.LoadCertificateWithKey(Path.Combine(certs, DevCertificates.ServerFileName), Path.Combine(certs, DevCertificates.ServerKeyFileName)),
        ClientCertificateAuthority = mutual ? TlsFiles.LoadCertificateAuthority(Path.Combine(certs, DevCertificates.CaFileName)) : null,
    };

    private static async Task<ulong> RegisterAsync(GrpcChannel channel, Uri address)
    {
        using NodeIdentity identity = NodeIdentity.Create();
        return await new FlowerNode(channel.CreateCallInvoker(), identity, new IdleApp(), address.ToString()).RegisterAsync(CancellationToken.None);
    }

    private static X509Certificate2 ReadCertificate(string path) => X509Certificate2.CreateFromPem(File.ReadAllText(path));

    [Fact]
    public void Dev_certs_writes_a_ca_a_localhost_server_certificate_and_node_certificates_with_private_keys_0600()
    {
        string certs = Certs("a", "site-1", "site-2");

        string[] names = [.. Directory.GetFiles(certs).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        Assert.Equal(["ca-key.pem", "ca.pem", "server-key.pem", "server.pem", "site-1-key.pem", "site-1.pem", "site-2-key.pem", "site-2.pem"], names);
        using X509Certificate2 server = ReadCertificate(Path.Combine(certs, "server.pem"));
        using X509Certificate2 ca = ReadCertificate(Path.Combine(certs, "ca.pem"));
        Assert.True(server.MatchesHostname("localhost") && server.MatchesHostname("127.0.0.1") && server.MatchesHostname("::1"));
        Assert.False(server.MatchesHostname("flip.example.org"));
        Assert.Equal(ca.Subject, server.Issuer);
        using X509Certificate2 node = ReadCertificate(Path.Combine(certs, "site-1.pem"));
        Assert.Equal("CN=site-1", node.Subject);
        Assert.True(FlowerServerSecurity.IsIssuedBy(ca, node, System.Net.Security.SslPolicyErrors.None));
        Assert.False(FlowerServerSecurity.IsIssuedBy(ca, server, System.Net.Security.SslPolicyErrors.None)); // a server certificate is not a client one
        if (!OperatingSystem.IsWindows())
        {
            foreach (string key in names.Where(n => n.EndsWith("-key.pem", StringComparison.Ordinal)))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(certs, key)));
            }
        }

        Assert.Empty(Directory.GetFiles(certs, "*.tmp"));
        var again = Assert.Throws<FlipException>(() => DevCertificates.Write(certs, [], TimeSpan.FromDays(1)));
        Assert.Equal($"{Path.Combine(certs, "ca.pem")} already exists; refusing to replace a CA that certificates may already trust.", again.Message);
        var badName = Assert.Throws<FlipException>(() => DevCertificates.Write(Path.Combine(_folder, "b"), ["../etc"], TimeSpan.FromDays(1)));
        Assert.StartsWith("--nodes: '../etc' is not usable as a node name", badName.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_tls_a_node_trusting_the_dev_ca_registers_and_one_trusting_another_ca_or_dialling_another_host_name_is_refused()
    {
        string certs = Certs("a");
        string otherCerts = Certs("other");
        (WebApplication app, Uri address, FleetService fleet) = await ServeAsync(ServerTls(certs));
        try
        {
            using X509Certificate2 ca = TlsFiles.LoadCertificateAuthority(Path.Combine(certs, "ca.pem"));
            var localhost = new Uri($"https://localhost:{address.Port}");
            using GrpcChannel trusted = FlowerChannel.Create(localhost, ca);
            ulong id = await RegisterAsync(trusted, localhost);
            Assert.Equal([id], fleet.OnlineNodes());

            using X509Certificate2 otherCa = TlsFiles.LoadCertificateAuthority(Path.Combine(otherCerts, "ca.pem"));
            using GrpcChannel untrusted = FlowerChannel.Create(address, otherCa);
            var e = await Assert.ThrowsAsync<FlowerProtocolException>(() => RegisterAsync(untrusted, address));
            Assert.Equal("the server's TLS certificate is not trusted: give its root CA certificate (PEM), and check that the address's host name is in the certificate", e.Fix);

            // The right CA, but the node dials a name the certificate does not carry (the socket still goes to this server).
            var wrongName = new Uri($"https://flip-coordinator.example.org:{address.Port}");
            SocketsHttpHandler handler = FlowerChannel.TrustingHandler(ca);
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, address.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            };
            using GrpcChannel misnamed = GrpcChannel.ForAddress(wrongName, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
            var named = await Assert.ThrowsAsync<FlowerProtocolException>(() => RegisterAsync(misnamed, wrongName));
            Assert.Equal(e.Fix, named.Fix);
            Assert.Single(fleet.OnlineNodes());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task With_mutual_tls_only_a_node_presenting_a_certificate_from_the_client_ca_gets_through()
    {
        string certs = Certs("a", "site-1");
        string otherCerts = Certs("other", "site-1");
        (WebApplication app, Uri address, FleetService fleet) = await ServeAsync(ServerTls(certs, mutual: true));
        try
        {
            using X509Certificate2 ca = TlsFiles.LoadCertificateAuthority(Path.Combine(certs, "ca.pem"));
            using X509Certificate2 own = TlsFiles.LoadCertificateWithKey(Path.Combine(certs, "site-1.pem"), Path.Combine(certs, "site-1-key.pem"));
            using GrpcChannel withCertificate = FlowerChannel.CreateWithClientCertificate(address, ca, own, null);
            ulong id = await RegisterAsync(withCertificate, address);

            using GrpcChannel without = FlowerChannel.Create(address, ca);
            var none = await Assert.ThrowsAsync<FlowerProtocolException>(() => RegisterAsync(without, address));
            using X509Certificate2 foreign = TlsFiles.LoadCertificateWithKey(Path.Combine(otherCerts, "site-1.pem"), Path.Combine(otherCerts, "site-1-key.pem"));
            using GrpcChannel withForeign = FlowerChannel.CreateWithClientCertificate(address, ca, foreign, null);
            var stranger = await Assert.ThrowsAsync<FlowerProtocolException>(() => RegisterAsync(withForeign, address));

            Assert.Equal([id], fleet.OnlineNodes());
            Assert.Contains("RegisterNode failed", none.Message, StringComparison.Ordinal);
            Assert.Contains("RegisterNode failed", stranger.Message, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task With_an_allow_list_a_strangers_every_call_is_refused_permission_denied_and_logged_by_fingerprint_only()
    {
        using NodeIdentity known = NodeIdentity.Create();
        using NodeIdentity stranger = NodeIdentity.Create();
        var log = new LinesLogger();
        var keys = NodeAllowList.FromPem("test list", [System.Text.Encoding.ASCII.GetString(known.PublicKeyPem)]);
        (WebApplication app, Uri address, FleetService fleet) = await ServeAsync(new FlowerServerSecurity { AuthorizedKeys = keys, Logger = log });
        try
        {
            using GrpcChannel channel = FlowerChannel.Create(address);
            ulong id = await new FlowerNode(channel.CreateCallInvoker(), known, new IdleApp(), address.ToString()).RegisterAsync(CancellationToken.None);
            var intruder = new FlowerNode(channel.CreateCallInvoker(), stranger, new IdleApp(), address.ToString());
            var e = await Assert.ThrowsAsync<FlowerProtocolException>(() => intruder.RegisterAsync(CancellationToken.None));
            // A stranger that skips registration and pulls with the known node's id is stopped before the service.
            var fleetClient = new Flip.Flower.Wire.Fleet.FleetClient(channel);
            var pull = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await fleetClient.PullMessagesAsync(
                new Flip.Flower.Wire.PullMessagesRequest { Node = new Flip.Flower.Wire.Node { NodeId = id } }, AuthMetadata.Create(stranger, DateTimeOffset.UtcNow)));

            Assert.Equal([id], fleet.OnlineNodes());
            Assert.Equal($"Flower server {address}: RegisterNode failed with PermissionDenied: this node's public key ({stranger.Fingerprint}) is not on the server's allow-list.", e.Message);
            Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, pull.StatusCode);
            string[] lines = [.. log.Lines];
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("Refused RegisterNode from ipv4:127.0.0.1:", lines[0], StringComparison.Ordinal);
            Assert.EndsWith($": node key {stranger.Fingerprint} is not in the authorized keys (test list)", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("Refused PullMessages from ipv4:127.0.0.1:", lines[1], StringComparison.Ordinal);
            Assert.DoesNotContain(lines, l => l.Contains("BEGIN PUBLIC KEY", StringComparison.Ordinal));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Tls_files_that_are_missing_swapped_or_mismatched_get_one_sentence_naming_the_file()
    {
        string certs = Certs("a", "site-1");
        string server = Path.Combine(certs, "server.pem"), serverKey = Path.Combine(certs, "server-key.pem"), nodeKey = Path.Combine(certs, "site-1-key.pem");

        var missing = Assert.Throws<FlipException>(() => TlsFiles.LoadCertificateAuthority(Path.Combine(certs, "nope.pem")));
        var swapped = Assert.Throws<FlipException>(() => TlsFiles.LoadCertificateWithKey(serverKey, server));
        var mismatched = Assert.Throws<FlipException>(() => TlsFiles.LoadCertificateWithKey(server, nodeKey));
        var keyless = Assert.Throws<FlipException>(() => TlsFiles.LoadCertificateWithKey(server, server));
        var plaintext = await Assert.ThrowsAsync<FlipException>(() => FlowerServerHost.StartAsync(new FlowerServerSecurity(), new IPEndPoint(IPAddress.Any, 0), new FleetService(), null, CancellationToken.None));

        Assert.Equal($"{Path.Combine(certs, "nope.pem")}: file not found; expected a PEM CA certificate (-----BEGIN CERTIFICATE-----).", missing.Message);
        Assert.Equal($"{serverKey}: found a private key; expected a PEM certificate (-----BEGIN CERTIFICATE-----).", swapped.Message);
        Assert.Equal($"{nodeKey}: the private key does not belong to the certificate {server} (subject CN=localhost) or is not a readable EC/RSA key; expected the key the certificate was issued for.", mismatched.Message);
        Assert.Equal($"{server}: no '-----BEGIN PRIVATE KEY-----' block; expected the private key (PEM) of the certificate {server}.", keyless.Message);
        Assert.Equal("Refusing to serve without TLS on 0.0.0.0:0, an address other machines can reach; model parameters and node keys would travel unencrypted.", plaintext.Message);
        Assert.All([missing, swapped, mismatched, keyless], x => Assert.Equal(ExitCodes.BadInput, x.ExitCode));
        Assert.Equal(ExitCodes.BadCommandLine, plaintext.ExitCode);
    }
}
