namespace Flip.Federated.Strategies;

/// <summary>
/// The centralised (pooled) baseline: one site that holds every site's training data trains the
/// model; every site is then evaluated on its own held-out data as in a federated run.
/// </summary>
/// <remarks>
/// The upper reference of FL comparisons (FLamby, du Terrail et al., 2022, arXiv:2210.04620, "pooled"
/// training). The pooled site is an ordinary <see cref="Site"/> whose trainer sees the union of the
/// sites' training splits (built by <c>Flip.Experiments</c>); its <see cref="TrainConfig.LocalEpochs"/>
/// per round equal a federated round's. Nothing else differs, so the same simulation runs it.
/// </remarks>
public sealed class Centralised : Strategy
{
    /// <summary>Creates the baseline; one site (the pooled one) suffices.</summary>
    public Centralised() => MinTrainSites = 1;

    /// <inheritdoc/>
    public override string Name => "centralised";

    /// <summary>The id of the site that holds the pooled training data.</summary>
    /// <value><c>pooled</c>.</value>
    public SiteId PooledSite { get; init; } = new("pooled");

    /// <inheritdoc/>
    public override IReadOnlyList<TrainInstruction> ConfigureTrain(RoundContext round, ParameterSet global)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (!round.Sites.Contains(PooledSite))
        {
            throw AggregationException.PooledSiteMissing(round.Round, PooledSite);
        }

        return [new TrainInstruction(PooledSite, ConfigFor(round, PooledSite, global))];
    }

    /// <inheritdoc/>
    public override ParameterSet AggregateTrain(RoundContext round, ParameterSet global, TrainReplies replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        EnsureEnoughReplies(round, replies);
        return FullParameters(global, replies.Succeeded.Single(r => r.Site == PooledSite));
    }
}
