using System.Net;

namespace Flip.Datasets.DicomWeb;

/// <summary>A DICOMweb request failed: the message names the endpoint, the HTTP status and what to check.</summary>
public sealed class DicomWebException : FlipException
{
    private DicomWebException(string message, int exitCode, string? fix, HttpStatusCode? status, Exception? inner = null)
        : base(message, exitCode, fix, inner)
    {
        StatusCode = status;
    }

    /// <summary>The HTTP status the server returned, or <see langword="null"/> when none arrived.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The server answered with an error status.</summary>
    internal static DicomWebException Status(string method, Uri endpoint, HttpStatusCode status, string? reason, DicomWebAuth auth, string? detail)
    {
        string statusText = $"{(int)status} {reason ?? status.ToString()}";
        string where = $"DICOMweb {method} {Redact(endpoint)} returned {statusText}";
        return status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                new($"{where}; {auth.CredentialHint}.", ExitCodes.Network, "set the variables to an account the PACS accepts.", status),
            HttpStatusCode.NotFound =>
                new($"{where}; expected the study, series or instance to exist on the server{Detail(detail)}.", ExitCodes.BadInput, "check the UIDs and the service root (e.g. http://host:8042/dicom-web).", status),
            _ when (int)status >= 500 =>
                new($"{where} after retries{Detail(detail)}.", ExitCodes.Network, "check the PACS's log and try again later.", status),
            _ => new($"{where}; expected a success status{Detail(detail)}.", ExitCodes.Network, null, status),
        };
    }

    /// <summary>The connection failed after retries.</summary>
    internal static DicomWebException Unreachable(string method, Uri endpoint, int attempts, Exception inner) =>
        inner.InnerException is System.Security.Authentication.AuthenticationException tls
            ? new($"DICOMweb {method} {Redact(endpoint)} failed after {attempts} attempt(s): the server's TLS certificate is not trusted ({tls.Message}).", ExitCodes.Network,
                "if the PACS uses the hospital's own CA, give its PEM certificate (manifest \"caCertificate\", or --ca-cert).", null, inner)
            : new($"DICOMweb {method} {Redact(endpoint)} failed after {attempts} attempt(s): {inner.Message}", ExitCodes.Network,
            "check that the PACS is running and reachable from this machine, and its address and port.", null, inner);

    /// <summary>A named credential variable is not set.</summary>
    internal static DicomWebException MissingVariable(Uri endpoint, string variable) =>
        new($"DICOMweb {Redact(endpoint)}: environment variable ${variable} is not set; expected the credential for this PACS in it.", ExitCodes.Environment,
            $"export {variable}=… before running (the manifest names the variable, never the secret).", null);

    /// <summary>The response does not have the shape DICOMweb prescribes.</summary>
    internal static DicomWebException BadResponse(string method, Uri endpoint, string what) =>
        new($"DICOMweb {method} {Redact(endpoint)}: {what}.", ExitCodes.Network, null, null);

    /// <summary>The client would send credentials over plain http to another machine.</summary>
    internal static DicomWebException PlaintextCredentials(Uri endpoint, DicomWebAuth auth) =>
        new($"DICOMweb {Redact(endpoint)}: the credentials in {auth.Variables} would travel unencrypted over plain http to another machine; expected an https:// address, or plain http only to this machine (127.0.0.1, [::1] or localhost). Nothing was sent.",
            ExitCodes.BadInput, "use the PACS's https:// address (with the hospital's CA certificate: manifest \"caCertificate\" or --ca-cert).", null);

    /// <summary>A UID the server sent (in a QIDO-RS result or a retrieved file) is not a DICOM UID, so it may not become a path or URL segment.</summary>
    /// <remarks>The value itself is not shown: a UID can identify a patient's study, and a hostile one may hold anything.</remarks>
    internal static DicomWebException NotAUid(string method, Uri endpoint, string what, int length) =>
        new($"DICOMweb {method} {Redact(endpoint)}: {what} is not a DICOM UID ({length} characters); expected 1 to 64 digits and dots, no empty or zero-led component (PS3.5 §9.1). Nothing was written for it.",
            ExitCodes.Network, "check the PACS: it must not send such UIDs; report it to its administrators.", null);

    /// <summary>STOW-RS reported instances it did not store.</summary>
    internal static DicomWebException StoreFailed(Uri endpoint, int failed, int sent, string? firstReason) =>
        new($"DICOMweb STOW-RS POST {Redact(endpoint)}: the server refused {failed} of {sent} instance(s){Detail(firstReason)}; expected every instance stored.", ExitCodes.Network,
            "check the PACS's log for why it refused them.", null);

    private static string Detail(string? detail) => string.IsNullOrWhiteSpace(detail) ? "" : $" ({detail.Trim()})";

    /// <summary>The address without user info or query values (a query may carry a patient id).</summary>
    internal static string Redact(Uri endpoint)
    {
        string text = endpoint.OriginalString;
        int query = text.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0) text = text[..query];
        int scheme = text.IndexOf("://", StringComparison.Ordinal), at = text.IndexOf('@', StringComparison.Ordinal);
        return scheme >= 0 && at > scheme ? text[..(scheme + 3)] + text[(at + 1)..] : text;
    }
}
