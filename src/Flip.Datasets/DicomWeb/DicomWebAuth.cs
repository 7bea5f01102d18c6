using System.Net.Http.Headers;
using System.Text;

namespace Flip.Datasets.DicomWeb;

/// <summary>How a DICOMweb client authenticates: nothing, HTTP basic or a bearer token, each read from environment variables the configuration names.</summary>
/// <remarks>
/// A manifest or command line names the variables, never the secret itself, so a secret is neither
/// committed nor shown by <c>ps</c>. The variables are read when the client is created.
/// </remarks>
public sealed record DicomWebAuth
{
    private DicomWebAuth(DicomWebAuthKind kind, string? userVariable, string? secretVariable)
    {
        Kind = kind;
        UserVariable = userVariable;
        SecretVariable = secretVariable;
    }

    /// <summary>No authentication.</summary>
    public static DicomWebAuth None { get; } = new(DicomWebAuthKind.None, null, null);

    /// <summary>Which scheme.</summary>
    public DicomWebAuthKind Kind { get; }

    /// <summary>The environment variable that holds the user name (basic only), or <see langword="null"/>.</summary>
    public string? UserVariable { get; }

    /// <summary>The environment variable that holds the password (basic) or the token (bearer), or <see langword="null"/>.</summary>
    public string? SecretVariable { get; }

    /// <summary>HTTP basic authentication with the user name and password in two environment variables.</summary>
    /// <param name="userVariable">Variable with the user name, e.g. <c>FLIP_PACS_USER</c>.</param>
    /// <param name="passwordVariable">Variable with the password, e.g. <c>FLIP_PACS_PASSWORD</c>.</param>
    /// <returns>The scheme.</returns>
    public static DicomWebAuth Basic(string userVariable, string passwordVariable)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userVariable);
        ArgumentException.ThrowIfNullOrWhiteSpace(passwordVariable);
        return new(DicomWebAuthKind.Basic, userVariable, passwordVariable);
    }

    /// <summary>A bearer token in an environment variable.</summary>
    /// <param name="tokenVariable">Variable with the token, e.g. <c>FLIP_PACS_TOKEN</c>.</param>
    /// <returns>The scheme.</returns>
    public static DicomWebAuth Bearer(string tokenVariable)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenVariable);
        return new(DicomWebAuthKind.Bearer, null, tokenVariable);
    }

    /// <summary>Whether credentials sent to <paramref name="endpoint"/> would cross a network unencrypted: plain http to a host that is not this machine.</summary>
    /// <param name="endpoint">A DICOMweb address.</param>
    /// <returns>True for <c>http://</c> to anything but a loopback address (127.0.0.0/8, ::1, <c>localhost</c>); false for https and for loopback.</returns>
    /// <remarks>The one rule both the manifest validator and the client apply; loopback http stays allowed for a PACS on the same machine (or behind a local TLS tunnel).</remarks>
    public static bool IsPlaintextOffLoopback(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return string.Equals(endpoint.Scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase) && !endpoint.IsLoopback;
    }

    /// <summary>The variables that hold the credentials, for messages: "$FLIP_PACS_USER and $FLIP_PACS_PASSWORD".</summary>
    internal string Variables => Kind switch
    {
        DicomWebAuthKind.Basic => $"${UserVariable} and ${SecretVariable}",
        DicomWebAuthKind.Bearer => $"${SecretVariable}",
        _ => "no variables",
    };

    /// <summary>Where a user fixes a rejected credential, for error messages: "the credentials in $FLIP_PACS_PASSWORD".</summary>
    internal string CredentialHint => Kind switch
    {
        DicomWebAuthKind.Basic => $"check the credentials in ${UserVariable} and ${SecretVariable}",
        DicomWebAuthKind.Bearer => $"check the token in ${SecretVariable}",
        _ => "the server wants credentials; configure basic or bearer authentication (user and password environment variables)",
    };

    /// <summary>Builds the Authorization header from the environment.</summary>
    /// <param name="endpoint">The server, for the error message.</param>
    /// <returns>The header, or <see langword="null"/> for <see cref="DicomWebAuthKind.None"/>.</returns>
    /// <exception cref="DicomWebException">A named variable is not set.</exception>
    internal AuthenticationHeaderValue? CreateHeader(Uri endpoint)
    {
        switch (Kind)
        {
            case DicomWebAuthKind.Basic:
                string user = Read(UserVariable!, endpoint);
                string password = Read(SecretVariable!, endpoint);
                return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
            case DicomWebAuthKind.Bearer:
                return new AuthenticationHeaderValue("Bearer", Read(SecretVariable!, endpoint));
            default:
                return null;
        }
    }

    private static string Read(string variable, Uri endpoint)
    {
        string? value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrEmpty(value) ? throw DicomWebException.MissingVariable(endpoint, variable) : value;
    }
}
