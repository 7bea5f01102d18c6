using System.CommandLine;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary>The TLS and node-authentication options of <c>serve</c> and <c>client</c>, and what they build.</summary>
internal static class TransportOptions
{
    /// <summary>serve's options: its certificate, mutual TLS, the authorized node keys.</summary>
    internal sealed class Server
    {
        private readonly Option<string?> _certificate = new("--tls-cert") { Description = "The server's TLS certificate (PEM). Needed on any address but loopback. Test ones: 'flip-research dev-certs'." };
        private readonly Option<string?> _key = new("--tls-key") { Description = "The private key of --tls-cert (PEM)." };
        private readonly Option<string?> _clientCa = new("--tls-client-ca") { Description = "Mutual TLS: accept only nodes presenting a certificate issued by this CA (PEM)." };
        private readonly Option<string?> _authorizedKeys = new("--authorized-keys")
        {
            Description = "Only nodes whose signing key is in this file may join: PEM public keys ('flip-research client --export-public-key') " +
                "and/or Flower's CSV of OpenSSH 'ecdsa-sha2-nistp384 …' keys. Others are refused (PERMISSION_DENIED) and logged by key fingerprint.",
        };

        public void AddTo(Command command)
        {
            command.Options.Add(_certificate);
            command.Options.Add(_key);
            command.Options.Add(_clientCa);
            command.Options.Add(_authorizedKeys);
            PairRequired(command, _certificate, _key);
        }

        /// <summary>Reads the files and prints what protects the port; refuses --authorized-keys on the legacy transport, which has no node keys, before anything is read or written.</summary>
        public FlowerServerSecurity Build(ParseResult parse, IPEndPoint endpoint, bool legacy, IAnsiConsole console, ILogger logger)
        {
            if (legacy && parse.GetResult(_authorizedKeys) is not null)
            {
                throw FlowerServerSecurity.NodeKeysNeedTheFleetApi();
            }

            X509Certificate2? certificate = parse.GetValue(_certificate) is { } cert ? TlsFiles.LoadCertificateWithKey(cert, parse.GetValue(_key)!) : null;
            X509Certificate2? clientCa = parse.GetValue(_clientCa) is { } ca ? TlsFiles.LoadCertificateAuthority(ca) : null;
            NodeAllowList? keys = parse.GetValue(_authorizedKeys) is { } file ? NodeAllowList.Load(file) : null;
            if (certificate is null && IPAddress.IsLoopback(endpoint.Address))
            {
                console.MarkupLineInterpolated($"[yellow]warning:[/] serving without TLS on {endpoint}; acceptable on this machine only (give --tls-cert/--tls-key for a network).");
            }

            if (keys is not null)
            {
                console.MarkupLineInterpolated($"Node authentication: {keys.Count} authorized node key(s) from {keys.Source}; calls signed by any other key are refused before their body is read.");
            }

            return new FlowerServerSecurity { Certificate = certificate, ClientCertificateAuthority = clientCa, AuthorizedKeys = keys, Logger = logger };
        }
    }

    /// <summary>client's options: the CA it trusts and its own certificate for mutual TLS.</summary>
    internal sealed class Client
    {
        private readonly Option<string?> _ca = new("--tls-ca") { Description = "The CA certificate (PEM) that signed the server's certificate (Flower's --root-certificates)." };
        private readonly Option<string?> _certificate = new("--tls-cert") { Description = "Mutual TLS: this node's certificate (PEM)." };
        private readonly Option<string?> _key = new("--tls-key") { Description = "Mutual TLS: the private key of --tls-cert (PEM)." };

        public void AddTo(Command command)
        {
            command.Options.Add(_ca);
            command.Options.Add(_certificate);
            command.Options.Add(_key);
            PairRequired(command, _certificate, _key);
        }

        /// <summary>Whether TLS files were given, so a HOST:PORT address is https.</summary>
        public bool UsesTls(ParseResult parse) => parse.GetValue(_ca) is not null || parse.GetValue(_certificate) is not null;

        public GrpcChannel CreateChannel(ParseResult parse, Uri address, ILogger logger)
        {
            X509Certificate2? ca = parse.GetValue(_ca) is { } file ? TlsFiles.LoadCertificateAuthority(file) : null;
            X509Certificate2? own = parse.GetValue(_certificate) is { } cert ? TlsFiles.LoadCertificateWithKey(cert, parse.GetValue(_key)!) : null;
            return FlowerChannel.CreateWithClientCertificate(address, ca, own, logger);
        }
    }

    private static void PairRequired(Command command, Option<string?> certificate, Option<string?> key) =>
        command.Validators.Add(r =>
        {
            if ((r.GetResult(certificate) is null) != (r.GetResult(key) is null))
            {
                r.AddError($"{certificate.Name} and {key.Name} go together: give both the certificate and its private key.");
            }
        });
}
