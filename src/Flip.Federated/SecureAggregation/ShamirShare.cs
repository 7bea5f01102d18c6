using System.Numerics;

namespace Flip.Federated.SecureAggregation;

/// <summary>One share of a secret: the point (x, f(x)) of the dealer's random polynomial over the field of <see cref="ShamirSecretSharing.Prime"/>.</summary>
/// <param name="X">The evaluation point, from 1 (0 would be the secret itself).</param>
/// <param name="Y">f(X) mod p.</param>
public readonly record struct ShamirShare(int X, BigInteger Y);
