namespace Flip.Federated.Privacy;

/// <summary>Where DP-FedAvg's Gaussian noise is added.</summary>
public enum NoisePlacement
{
    /// <summary>At the server, once, on the sum of the clipped updates (central DP: sites trust the server).</summary>
    Central,

    /// <summary>At each site, on its own clipped update before it leaves (local DP: sites trust nobody; much more noise in total).</summary>
    Local,
}
