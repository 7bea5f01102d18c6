using Flip.Federated.Privacy;

namespace Flip.Experiments;

/// <summary>DP-FedAvg's settings for the catalogue's <c>dp-fedavg</c> (<c>simulate --dp-clip/--dp-noise/--dp-placement</c>).</summary>
/// <param name="ClippingNorm">The L2 norm C every site's update is clipped to.</param>
/// <param name="NoiseMultiplier">z: the noise's standard deviation over C (the accountant's ε falls as it rises).</param>
/// <param name="Placement">Noise once at the server on the sum (central) or at every site on its own update (local).</param>
public sealed record PrivacySettings(double ClippingNorm = 1.0, double NoiseMultiplier = 1.0, NoisePlacement Placement = NoisePlacement.Central);
