namespace Flip.Flower.Apps;

/// <summary>One message type (train or evaluate) of an <see cref="AppContract"/>: which config keys the node reads, which metric keys it replies with, and what <c>num-examples</c> counts.</summary>
public sealed record AppContractStep
{
    /// <summary>The app's config keys mapped to FLIP's (<see cref="Flip.Federated.ConfigKeys"/>); keys not listed are ignored.</summary>
    /// <value><see langword="null"/>: the app uses FLIP's own keys, read as they are.</value>
    public IReadOnlyDictionary<string, string>? Config { get; init; }

    /// <summary>The reply's metric keys, in order, each with the FLIP metric (<see cref="Flip.Federated.MetricNames"/>) that fills it; the reply holds exactly these plus the example count.</summary>
    /// <value><see langword="null"/>: every metric the trainer reports, under FLIP's names.</value>
    public IReadOnlyList<KeyValuePair<string, string>>? Metrics { get; init; }

    /// <summary>What the reply's example count counts.</summary>
    /// <value><see cref="ExampleCount.Site"/>.</value>
    public ExampleCount Examples { get; init; } = ExampleCount.Site;
}
