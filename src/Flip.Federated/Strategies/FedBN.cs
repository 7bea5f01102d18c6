namespace Flip.Federated.Strategies;

/// <summary>
/// FedBN: FedAvg for every parameter except the normalisation layers, which each site keeps and
/// trains locally and never sends.
/// </summary>
/// <remarks>
/// Li et al., 2021, "FedBN: Federated Learning on Non-IID Features via Local Batch Normalization",
/// ICLR, arXiv:2102.07623, Algorithm 1: BatchNorm parameters (γ, β and running statistics) are
/// excluded from averaging. The site: nothing beyond FedAvg — <see cref="Site"/> puts its own copies
/// of the arrays named in <see cref="TrainConfig.LocalParameterNames"/> back before training and
/// evaluating, keeps the trained copies in <see cref="SiteState.LocalParameters"/>, and sends the
/// global values in their place. The server keeps its copies of those arrays unchanged.
/// </remarks>
public class FedBN : FedAvg
{
    /// <inheritdoc/>
    public override string Name => "fedbn";

    /// <summary>Which parameters stay at the site.</summary>
    /// <value><see cref="IsNormalisationParameter"/>: any dotted segment that starts with <c>bn</c> or contains <c>norm</c>.</value>
    public Func<string, bool> IsLocal { get; init; } = IsNormalisationParameter;

    /// <summary>
    /// Whether a <c>state_dict</c> key names a normalisation layer's array: a dotted segment starts with
    /// <c>bn</c> (<c>enc1.bn1.weight</c>) or contains <c>norm</c> (<c>layer1.0.batchnorm.running_mean</c>,
    /// <c>blocks.2.groupnorm.bias</c>), case-insensitive.
    /// </summary>
    /// <param name="name">The key.</param>
    /// <returns><see langword="true"/> for a normalisation parameter.</returns>
    public static bool IsNormalisationParameter(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var segment in name.Split('.'))
        {
            if (segment.StartsWith("bn", StringComparison.OrdinalIgnoreCase) || segment.Contains("norm", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The names of the global parameters that stay at the sites.</summary>
    /// <param name="global">The global parameters.</param>
    /// <returns>The names, in order.</returns>
    public IReadOnlyList<string> LocalNames(ParameterSet global)
    {
        ArgumentNullException.ThrowIfNull(global);
        return [.. global.Names.Where(IsLocal)];
    }

    /// <inheritdoc/>
    protected override TrainConfig ConfigFor(RoundContext round, SiteId site, ParameterSet global)
        => base.ConfigFor(round, site, global) with { LocalParameterNames = LocalNames(global) };

    /// <inheritdoc/>
    protected override EvaluateConfig EvaluateConfigFor(RoundContext round, SiteId site, ParameterSet global)
        => base.EvaluateConfigFor(round, site, global) with { LocalParameterNames = LocalNames(global) };

    /// <inheritdoc/>
    public override ParameterSet AggregateTrain(RoundContext round, ParameterSet global, TrainReplies replies)
    {
        ArgumentNullException.ThrowIfNull(global);
        var local = LocalNames(global).ToHashSet(StringComparer.Ordinal);
        if (local.Count == global.Count)
        {
            EnsureEnoughReplies(round, replies);
            return global;
        }

        var average = base.AggregateTrain(round, global, replies);
        return average.Replace(global.Where(a => local.Contains(a.Name)));
    }
}
