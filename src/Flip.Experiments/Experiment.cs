using System.Diagnostics;
using System.Globalization;
using Flip.Datasets;
using Flip.Datasets.Synthetic;
using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Federated.Runs;
using Flip.Federated.Strategies;
using Flip.Learning.Checkpoints;
using Flip.Learning.Devices;
using Flip.Learning.Models;
using Flip.Learning.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Flip.Experiments;

/// <summary>The front door: one call simulates a federation of a cohort's hospitals with one strategy.</summary>
/// <example>
/// <code>
/// var cohort = PreparedCohort.Prepare(SyntheticCohort.Flip6());
/// var fedbn = await Experiment.SimulateAsync(cohort, "fedbn", new ExperimentOptions { Rounds = 10 });
/// </code>
/// </example>
public static class Experiment
{
    /// <summary>Simulates one strategy on the natural (by-hospital) partition of a prepared cohort.</summary>
    /// <param name="cohort">The prepared cohort.</param>
    /// <param name="strategyName">A name from <see cref="StrategyCatalog.Names"/>.</param>
    /// <param name="options">Rounds, seed, model and training settings.</param>
    /// <param name="progress">Receives a report after every round.</param>
    /// <param name="logger">Receives structured log events (no patient data).</param>
    /// <param name="ct">Stops the run between batches.</param>
    /// <returns>The run's result.</returns>
    public static Task<ExperimentResult> SimulateAsync(PreparedCohort cohort, string strategyName, ExperimentOptions? options = null,
        IProgress<RoundReport>? progress = null, ILogger? logger = null, CancellationToken ct = default)
    {
        options ??= new ExperimentOptions();
        return SimulateAsync(cohort, StrategyCatalog.Create(strategyName, options), options, progress, logger, ct);
    }

    /// <summary>Simulates a configured strategy on the natural (by-hospital) partition of a prepared cohort.</summary>
    /// <param name="cohort">The prepared cohort.</param>
    /// <param name="strategy">The strategy.</param>
    /// <param name="options">Rounds, seed, model and training settings.</param>
    /// <param name="progress">Receives a report after every round.</param>
    /// <param name="logger">Receives structured log events (no patient data).</param>
    /// <param name="ct">Stops the run between batches.</param>
    /// <returns>The run's result.</returns>
    public static async Task<ExperimentResult> SimulateAsync(PreparedCohort cohort, Strategy strategy, ExperimentOptions options,
        IProgress<RoundReport>? progress = null, ILogger? logger = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(options);
        long started = Stopwatch.GetTimestamp();
        var device = DeviceChoice.Resolve(options.Device);
        if (options.Threads > 0)
        {
            torch.set_num_threads(options.Threads);
        }

        ModelRecipe recipe = options.ModelRecipe(cohort.Sites[0].Train.Channels);
        torch.manual_seed(options.Seed);
        using var workspace = new ModelWorkspace(recipe.Build, device);
        ParameterSet initial = workspace.Model.ToParameterSet();

        var prepared = new List<PreparedSite>(cohort.Sites);
        if (strategy is Centralised)
        {
            prepared.Add(cohort.Pooled());
        }

        var trainers = prepared.Select(s => new SegmentationSiteTrainer(s.Train, s.Test, workspace, options.Trainer)).ToList();
        if (options.Attack is { } attack && !prepared.Any(s => s.Id == attack.Site.Value))
        {
            throw new FlipException($"--attack '{attack}': the cohort has no site {attack.Site}; its sites are {string.Join(", ", prepared.Select(s => s.Id))}.", ExitCodes.BadCommandLine,
                "name one of the cohort's sites before the ':'.");
        }

        var sites = prepared.Select((s, i) => new Site(new SiteId(s.Id),
            options.Attack is { } poison && poison.Site.Value == s.Id ? new Flip.Federated.Attacks.PoisonedTrainer(trainers[i], poison) : trainers[i], logger)
        {
            SeededPrivacyNoise = true,   // a simulation repeats exactly; real nodes draw their noise from a secure source
        }).ToList();
        // Round 0 is the untrained model at every site: curves start there, and the run check compares the loss
        // after training with the loss before it (not with round 1's, which already trained).
        var simulation = new Simulation(sites, strategy, new SimulationOptions { Rounds = options.Rounds, Seed = options.Seed, MaxParallelism = 1, EvaluateInitialModel = true, Model = recipe.ToSettings() }, logger);
        // The run store keeps each simulated site's own state (FedBN's layers, SCAFFOLD's cᵢ) with
        // every finished round, so a resumed run continues exactly as an uninterrupted one.
        RunResult run;
        string? runFolder = options.RunFolder;
        if (runFolder is not null && options.Resume && File.Exists(Path.Combine(runFolder, RunStore.RunFileName))
            && !File.Exists(Path.Combine(runFolder, RunStore.ProgressFileName)))
        {
            // Stopped before its first round was stored: nothing to keep, start it again.
            Directory.Delete(runFolder, recursive: true);
        }

        if (runFolder is not null && options.Resume && File.Exists(Path.Combine(runFolder, RunStore.ProgressFileName)))
        {
            run = await simulation.ResumeAsync(runFolder, progress, ct).ConfigureAwait(false);
            run = run with { Metrics = [.. run.Metrics.Where(m => !m.Split.StartsWith(MetricsFile.CrossSplitPrefix, StringComparison.Ordinal))] };
        }
        else
        {
            run = await simulation.RunAsync(initial, runFolder, progress, ct).ConfigureAwait(false);
        }

        if (strategy is LocalOnly && run.RoundsCompleted > 0)
        {
            // Site × site generalisation: each hospital's own model tested at every hospital.
            var hospitals = sites.Where((_, i) => prepared[i].Site is not null).ToList();
            var models = hospitals.Where(h => h.State.LocalParameters is not null)
                .Select(h => (h.Id.Value, run.FinalParameters.Replace(h.State.LocalParameters!))).ToList();
            var cross = (await CrossSiteEvaluation.RunAsync(hospitals, models, options.Seed, ct).ConfigureAwait(false))
                .SelectMany(r => r.Evaluation.Metrics.Select(m =>
                    new MetricRecord(run.RoundsCompleted, r.Model, MetricsFile.CrossSplitPrefix + r.Site.Value, m.Key, m.Value)))
                .ToList();
            run = run with { Metrics = [.. run.Metrics, .. cross] };
            if (runFolder is not null)
            {
                AtomicFile.WriteText(Path.Combine(runFolder, RunStore.MetricsFileName), MetricsFile.Format(run.Metrics));
            }
        }

        if (options.RunFolder is { } folder)
        {
            // Local files for the report: the cohort summary and each hospital's patient scores
            // under the model it ends with (global, or with its own layers for FedBN and local-only).
            RunFiles.WriteSites(folder, cohort);
            SafetensorsFile.Write(Path.Combine(folder, RunFiles.FinalModelFileName), run.FinalParameters, new Dictionary<string, string>
            {
                ["strategy"] = strategy.Name,
                ["rounds"] = Invariant($"{run.RoundsCompleted}"),
                ["seed"] = Invariant($"{options.Seed}"),
                ["model"] = recipe.ToString(),
            });
            var predictions = new List<(string Site, PatientPrediction Prediction)>();
            for (int i = 0; i < prepared.Count; i++)
            {
                if (prepared[i].Site is null)
                {
                    continue;
                }

                ParameterSet final = sites[i].State.LocalParameters is { } local ? run.FinalParameters.Replace(local) : run.FinalParameters;
                foreach (PatientPrediction p in await trainers[i].PredictAsync(final, ct).ConfigureAwait(false))
                {
                    predictions.Add((prepared[i].Id, p));
                }
            }

            RunFiles.WritePredictions(folder, predictions);
        }

        return new ExperimentResult(strategy.Name, run, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Leave-one-site-out: trains on every hospital but one, then tests the final model on all of the
    /// held-out hospital's patients — how a model would do at a hospital that never joined.
    /// </summary>
    /// <param name="cohort">The prepared cohort.</param>
    /// <param name="strategyName">A name from <see cref="StrategyCatalog.Names"/> (not local-only).</param>
    /// <param name="heldOutSite">The hospital left out.</param>
    /// <param name="options">Rounds, seed, model and training settings.</param>
    /// <param name="progress">Receives a report after every round.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>The federation's run and the held-out hospital's metrics.</returns>
    public static async Task<HeldOutSiteResult> LeaveOneSiteOutAsync(PreparedCohort cohort, string strategyName, string heldOutSite,
        ExperimentOptions? options = null, IProgress<RoundReport>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        options ??= new ExperimentOptions();
        if (strategyName == "local-only")
        {
            throw new FlipException("leave-one-site-out needs a strategy that ends with one global model; local-only keeps one model per hospital.", ExitCodes.BadCommandLine);
        }

        PreparedCohort training = cohort.Without(heldOutSite);
        ExperimentResult run = await SimulateAsync(training, strategyName, options, progress, ct: ct).ConfigureAwait(false);
        PreparedSite held = cohort.Sites.Single(s => s.Id == heldOutSite);
        using var workspace = new ModelWorkspace(options.ModelRecipe(held.Train.Channels).Build, DeviceChoice.Resolve(options.Device));
        var everyone = Datasets.Samples.SliceSet.Concat([held.Train, held.Test]);
        var trainer = new SegmentationSiteTrainer(everyone, everyone, workspace, options.Trainer);
        SiteEvaluation evaluation = await trainer.EvaluateAsync(run.Run.FinalParameters, new EvaluateConfig { Round = run.Run.RoundsCompleted }, new SiteState(), ct)
            .ConfigureAwait(false);
        return new HeldOutSiteResult(heldOutSite, run, evaluation.Metrics, evaluation.ExampleCount);
    }

    /// <summary>Builds and prepares the synthetic FLIP-6 cohort.</summary>
    /// <param name="scale">Fraction of the full-scale cohort.</param>
    /// <param name="seed">Seed of the cohort and the split.</param>
    /// <returns>The prepared cohort.</returns>
    public static PreparedCohort SyntheticFlip6(double scale = 0.08, int seed = 7)
        => PreparedCohort.Prepare(SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = scale, Seed = seed }), seed: seed);

    internal static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
