using Flip.Federated;
using Flip.Federated.Attacks;
using Flip.Federated.Strategies;

namespace Flip.Experiments;

/// <summary>
/// Robust aggregation under attack: each strategy trained on the cohort without and with one
/// poisoned hospital, and every hospital's final Dice and AUROC compared.
/// </summary>
public static class RobustnessStudy
{
    /// <summary>The strategies compared by default.</summary>
    public static IReadOnlyList<string> DefaultStrategies { get; } = ["fedavg", "krum", "trimmed-mean", "fedmedian"];

    /// <summary>
    /// A strategy set up to tolerate one poisoned site: Krum with f = 1, the trimmed mean with β = 0.2
    /// (one site trimmed from each end of six); others as <see cref="StrategyCatalog.Create"/> makes them.
    /// </summary>
    /// <param name="name">A strategy name.</param>
    /// <param name="options">Local training settings.</param>
    /// <returns>The strategy.</returns>
    public static Strategy Create(string name, ExperimentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var train = new TrainConfig { LocalEpochs = options.LocalEpochs, LearningRate = options.LearningRate };
        return name switch
        {
            "krum" => new Krum { TrainConfig = train, ByzantineSites = 1 },
            "trimmed-mean" => new TrimmedMean { TrainConfig = train, Beta = 0.2 },
            _ => StrategyCatalog.Create(name, options),
        };
    }

    /// <summary>Runs every strategy clean and under the attack.</summary>
    /// <param name="cohort">The prepared cohort.</param>
    /// <param name="attack">The poisoned site and what it does.</param>
    /// <param name="strategies">Strategy names.</param>
    /// <param name="options">Rounds, seed, training settings (its <see cref="ExperimentOptions.Attack"/> is ignored).</param>
    /// <param name="progress">Receives "strategy (clean|attacked)" before each run.</param>
    /// <param name="ct">Stops the study.</param>
    /// <returns>One row per strategy and condition, clean first.</returns>
    public static async Task<IReadOnlyList<RobustnessRow>> RunAsync(PreparedCohort cohort, SiteAttack attack, IReadOnlyList<string> strategies,
        ExperimentOptions options, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        ArgumentNullException.ThrowIfNull(attack);
        ArgumentNullException.ThrowIfNull(strategies);
        ArgumentNullException.ThrowIfNull(options);
        var rows = new List<RobustnessRow>();
        foreach (string name in strategies)
        {
            foreach (SiteAttack? condition in new[] { null, attack })
            {
                progress?.Report($"{name} ({(condition is null ? "clean" : condition.ToString())})");
                var run = options with { Attack = condition, RunFolder = null, Resume = false };
                ExperimentResult result = await Experiment.SimulateAsync(cohort, Create(name, run), run, ct: ct).ConfigureAwait(false);
                rows.Add(new RobustnessRow(name, condition, result.FinalSiteMetrics(), result.Elapsed));
            }
        }

        return rows;
    }
}
