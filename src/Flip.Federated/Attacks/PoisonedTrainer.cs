namespace Flip.Federated.Attacks;

/// <summary>A site trainer that trains honestly and then sends a poisoned update (<see cref="SiteAttack"/>); evaluation stays honest.</summary>
/// <param name="inner">The honest trainer.</param>
/// <param name="attack">What to do to each update.</param>
public sealed class PoisonedTrainer(ISiteTrainer inner, SiteAttack attack) : ISiteTrainer
{
    /// <summary>The attack.</summary>
    public SiteAttack Attack { get; } = attack ?? throw new ArgumentNullException(nameof(attack));

    /// <inheritdoc/>
    public async Task<SiteUpdate> TrainAsync(ParameterSet global, TrainConfig config, SiteState state, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(config);
        var honest = await inner.TrainAsync(global, config, state, ct).ConfigureAwait(false);
        return Attack.Apply(global, honest, config.Seed);
    }

    /// <inheritdoc/>
    public Task<SiteEvaluation> EvaluateAsync(ParameterSet global, EvaluateConfig config, SiteState state, CancellationToken ct)
        => inner.EvaluateAsync(global, config, state, ct);

    /// <inheritdoc/>
    public SiteSummary Describe() => inner.Describe();
}
