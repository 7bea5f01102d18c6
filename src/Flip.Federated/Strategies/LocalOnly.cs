namespace Flip.Federated.Strategies;

/// <summary>
/// The local-only baseline: every site trains its own model on its own data and is evaluated with
/// it; nothing is shared. Expressed as FedBN with every parameter local, so it runs in the same
/// simulation as the federated strategies.
/// </summary>
/// <remarks>
/// The lower reference of every FL comparison (e.g. FLamby, du Terrail et al., 2022, NeurIPS Datasets
/// and Benchmarks, arXiv:2210.04620, "local" baselines). Every site starts from the same initial
/// model; the server's model never changes. The site: nothing beyond FedAvg — its whole model stays
/// in <see cref="SiteState.LocalParameters"/>.
/// </remarks>
public sealed class LocalOnly : FedBN
{
    /// <summary>Creates the baseline: every parameter is local, one site suffices.</summary>
    public LocalOnly()
    {
        IsLocal = static _ => true;
        MinTrainSites = 1;
    }

    /// <inheritdoc/>
    public override string Name => "local-only";
}
