namespace Flip.Federated.SecureAggregation;

/// <summary>What a site publishes in the setup stage: two P-256 public keys (X.509 SubjectPublicKeyInfo).</summary>
/// <param name="Site">The site.</param>
/// <param name="EncryptionKey">cᵢᴾᴷ: agrees the key that encrypts the shares sent to a neighbour through the server.</param>
/// <param name="MaskKey">sᵢᴾᴷ: agrees the seed of the pairwise mask with a neighbour.</param>
public sealed record SiteKeys(SiteId Site, byte[] EncryptionKey, byte[] MaskKey);
