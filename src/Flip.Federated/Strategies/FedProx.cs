namespace Flip.Federated.Strategies;

/// <summary>FedProx: FedAvg on the server; each site adds μ/2·‖w − wᵗ‖² to its local loss.</summary>
/// <remarks>
/// Li et al., 2020, "Federated Optimization in Heterogeneous Networks", MLSys, arXiv:1812.06127,
/// eq. 2: h_k(w; wᵗ) = F_k(w) + μ/2·‖w − wᵗ‖². The site: add the proximal term with
/// <see cref="TrainConfig.ProximalMu"/> to its loss (gradient μ·(w − wᵗ)). With <see cref="Mu"/> = 0 it is FedAvg.
/// </remarks>
public sealed class FedProx : FedAvg
{
    /// <inheritdoc/>
    public override string Name => "fedprox";

    /// <summary>Weight μ of the proximal term.</summary>
    /// <value>0.01.</value>
    public double Mu { get; init; } = 0.01;

    /// <inheritdoc/>
    protected override TrainConfig ConfigFor(RoundContext round, SiteId site, ParameterSet global)
        => base.ConfigFor(round, site, global) with { ProximalMu = Mu };

    /// <inheritdoc/>
    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (!(Mu >= 0) || !double.IsFinite(Mu))
        {
            yield return Invariant($"Mu must be a finite number ≥ 0 (got {Mu}).");
        }
    }
}
