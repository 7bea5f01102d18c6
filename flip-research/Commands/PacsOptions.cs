using System.CommandLine;
using Flip.Datasets.DicomWeb;

namespace Flip.Cli.Commands;

/// <summary>The command-line options that name a DICOMweb service and its credential variables, shared by <c>synth --upload</c> and <c>bench pacs</c>.</summary>
internal sealed class PacsOptions
{
    public Option<string> UserEnv { get; } = new("--user-env") { Description = "Environment variable holding the PACS user name (HTTP basic; with --password-env)." };

    public Option<string> PasswordEnv { get; } = new("--password-env") { Description = "Environment variable holding the PACS password (HTTP basic)." };

    public Option<string> TokenEnv { get; } = new("--token-env") { Description = "Environment variable holding a bearer token (instead of basic)." };

    public Option<string> CaCertificate { get; } = new("--ca-cert") { Description = "PEM CA certificate the PACS's TLS certificate must chain to." };

    public void AddTo(Command command)
    {
        command.Add(UserEnv);
        command.Add(PasswordEnv);
        command.Add(TokenEnv);
        command.Add(CaCertificate);
    }

    public DicomWebOptions Read(ParseResult parse, string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new FlipException($"'{url}' is not a DICOMweb address; expected http(s)://host:port/dicom-web.", ExitCodes.BadCommandLine);
        }

        string? user = parse.GetValue(UserEnv), password = parse.GetValue(PasswordEnv), token = parse.GetValue(TokenEnv);
        DicomWebAuth auth = (user, password, token) switch
        {
            (null, null, null) => DicomWebAuth.None,
            (null, null, { } t) => DicomWebAuth.Bearer(t),
            ({ } u, { } p, null) => DicomWebAuth.Basic(u, p),
            _ => throw new FlipException("give either --user-env with --password-env (HTTP basic) or --token-env (bearer), not a mix.", ExitCodes.BadCommandLine),
        };
        return new DicomWebOptions { BaseUri = uri, Auth = auth, CaCertificateFile = parse.GetValue(CaCertificate) };
    }
}
