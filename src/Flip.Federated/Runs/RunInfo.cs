namespace Flip.Federated.Runs;

/// <summary>The contents of <c>run.json</c>: what ran, with which settings, seeds, versions and inputs.</summary>
public sealed record RunInfo
{
    /// <summary>The strategy's name, e.g. <c>fedbn</c>.</summary>
    public required string Strategy { get; init; }

    /// <summary>The strategy's public settings as invariant-culture text, by property name.</summary>
    public IReadOnlyDictionary<string, string> StrategySettings { get; init; } = new Dictionary<string, string>();

    /// <summary>The planned number of rounds.</summary>
    public required int Rounds { get; init; }

    /// <summary>The run seed.</summary>
    public required int Seed { get; init; }

    /// <summary>The site ids in simulation order.</summary>
    public required IReadOnlyList<string> Sites { get; init; }

    /// <summary>Each site's counts and label balance (<see cref="ISiteTrainer.Describe"/>), by site id; never identifiers.</summary>
    public IReadOnlyDictionary<string, SiteSummary> SiteSummaries { get; init; } = new Dictionary<string, SiteSummary>();

    /// <summary>The model recipe (architecture, channels, classes, normalisation: <c>Flip.Learning.Models.ModelRecipe</c>) as
    /// invariant-culture text by key; empty in runs written before it was recorded.</summary>
    public IReadOnlyDictionary<string, string> Model { get; init; } = new Dictionary<string, string>();

    /// <summary>The simulation's other settings as invariant-culture text, by property name.</summary>
    public IReadOnlyDictionary<string, string> SimulationSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Library and runtime versions, by component.</summary>
    public IReadOnlyDictionary<string, string> Versions { get; init; } = new Dictionary<string, string>();

    /// <summary>Content hashes of the inputs (manifest, cohort cache), by name, as the caller supplied them.</summary>
    public IReadOnlyDictionary<string, string> InputHashes { get; init; } = new Dictionary<string, string>();

    /// <summary>When the run started (UTC, from the simulation's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset CreatedUtc { get; init; }
}
