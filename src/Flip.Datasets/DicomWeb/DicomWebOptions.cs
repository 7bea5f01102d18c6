namespace Flip.Datasets.DicomWeb;

/// <summary>Where a DICOMweb service is and how to talk to it.</summary>
public sealed record DicomWebOptions
{
    /// <summary>The service root, e.g. <c>http://127.0.0.1:8042/dicom-web</c> (QIDO, WADO and STOW paths go below it).</summary>
    public required Uri BaseUri { get; init; }

    /// <summary>How to authenticate.</summary>
    /// <value><see cref="DicomWebAuth.None"/>.</value>
    public DicomWebAuth Auth { get; init; } = DicomWebAuth.None;

    /// <summary>A PEM or DER CA certificate that the server's certificate must chain to (a hospital's own CA), or <see langword="null"/> for the system's trust store.</summary>
    /// <value><see langword="null"/>.</value>
    public string? CaCertificateFile { get; init; }

    /// <summary>How long one request may take until its response headers arrive.</summary>
    /// <value>100 seconds.</value>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>How long a response body may stall before the read counts as a dropped connection.</summary>
    /// <value>60 seconds.</value>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after a transient failure (5xx, 408, 429, a refused or reset connection); 4xx other than 408/429 is never retried.</summary>
    /// <value>4.</value>
    public int MaxRetries { get; init; } = 4;

    /// <summary>Wait before the first retry; doubled before each further one.</summary>
    /// <value>250 ms.</value>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>QIDO-RS page size (<c>limit</c>); pages are requested until one comes back short.</summary>
    /// <value>100.</value>
    public int PageSize { get; init; } = 100;

    /// <summary>Instances per STOW-RS request.</summary>
    /// <value>50.</value>
    public int StowBatchSize { get; init; } = 50;

    /// <summary>Checks the values.</summary>
    /// <returns>Every problem, empty when none.</returns>
    public IEnumerable<string> Validate()
    {
        if (!BaseUri.IsAbsoluteUri || (BaseUri.Scheme != Uri.UriSchemeHttp && BaseUri.Scheme != Uri.UriSchemeHttps))
        {
            yield return $"BaseUri must be an absolute http or https address (got '{BaseUri}').";
        }

        if (Timeout <= TimeSpan.Zero) yield return $"Timeout must be positive (got {Timeout}).";
        if (ReadTimeout <= TimeSpan.Zero) yield return $"ReadTimeout must be positive (got {ReadTimeout}).";
        if (MaxRetries < 0) yield return $"MaxRetries must be ≥ 0 (got {MaxRetries}).";
        if (PageSize < 1) yield return $"PageSize must be ≥ 1 (got {PageSize}).";
        if (StowBatchSize < 1) yield return $"StowBatchSize must be ≥ 1 (got {StowBatchSize}).";
        if (CaCertificateFile is not null && !File.Exists(CaCertificateFile))
        {
            yield return $"CaCertificateFile '{CaCertificateFile}' does not exist.";
        }
    }
}
