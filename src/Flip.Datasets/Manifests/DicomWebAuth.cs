namespace Flip.Datasets.Manifests;

/// <summary>How to authenticate to a DICOMweb endpoint. The secret itself is never in the manifest, only the name of the environment variable holding it.</summary>
/// <param name="Scheme"><c>basic</c> or <c>bearer</c>.</param>
/// <param name="UsernameEnv">Environment variable holding the user name (basic), or <see langword="null"/>.</param>
/// <param name="SecretEnv">Environment variable holding the password (basic) or token (bearer).</param>
public sealed record DicomWebAuth(string Scheme, string? UsernameEnv, string SecretEnv);
