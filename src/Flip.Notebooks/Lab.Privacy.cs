using System.Globalization;
using Flip.Experiments;
using Flip.Federated;
using Flip.Federated.Privacy;
using Flip.Reporting;
using MetricNames = Flip.Reporting.MetricNames;

namespace Flip.Notebooks;

public static partial class Lab
{
    /// <summary>Differentially private FedAvg (central Gaussian noise on clipped site updates) at several noise levels:
    /// the privacy spent (ε at δ = 1e-5) against the mean AUROC over hospitals.</summary>
    /// <param name="cohort">The prepared cohort.</param>
    /// <param name="noiseMultipliers">Noise standard deviation as a multiple of the clipping norm, one run each.</param>
    /// <param name="rounds">Rounds per run.</param>
    /// <param name="clippingNorm">The L2 norm each site's update is clipped to.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="options">Further settings.</param>
    /// <returns>One point per noise level, named <c>z=…</c>.</returns>
    public static async Task<IReadOnlyList<PrivacyPoint>> PrivacySweepAsync(PreparedCohort cohort, IEnumerable<double> noiseMultipliers, int rounds,
        double clippingNorm = 1.0, int seed = 7, ExperimentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(noiseMultipliers);
        var settings = (options ?? new ExperimentOptions()) with { Rounds = rounds, Seed = seed };
        var points = new List<PrivacyPoint>();
        foreach (double z in noiseMultipliers)
        {
            var strategy = new DifferentialPrivacyFedAvg
            {
                NoiseMultiplier = z,
                ClippingNorm = clippingNorm,
                TrainConfig = new TrainConfig { LocalEpochs = settings.LocalEpochs, LearningRate = settings.LearningRate },
            };
            string name = string.Create(CultureInfo.InvariantCulture, $"z={z}");
            ExperimentResult result = await Experiment.SimulateAsync(cohort, strategy, settings, new SynchronousProgress<Flip.Federated.Simulations.RoundReport>(r => PrintRound(name, r))).ConfigureAwait(false);
            var final = result.FinalSiteMetrics().Values.Select(m => m.GetValueOrDefault(MetricNames.Auroc, double.NaN)).Where(v => !double.IsNaN(v)).ToList();
            points.Add(new PrivacyPoint(name, strategy.PrivacySpent.Epsilon, final.Count == 0 ? double.NaN : final.Average()));
        }

        return points;
    }
}
