namespace Flip.Federated.SecureAggregation;

/// <summary>
/// A site's shares of its two secrets for one neighbour, encrypted with AES-GCM under a key the two
/// agreed by ECDH; the server routes it and cannot read it.
/// </summary>
/// <param name="From">The owner of the secrets.</param>
/// <param name="To">The neighbour that keeps the shares.</param>
/// <param name="Ciphertext">Nonce, ciphertext and tag.</param>
public sealed record EncryptedShare(SiteId From, SiteId To, byte[] Ciphertext);
