using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Flip.Experiments;
using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Cli.Rendering;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Report = Flip.Reporting.Report;
using ReportOptions = Flip.Reporting.ReportOptions;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research simulate</c>: the main job.</summary>
internal static class SimulateCommand
{
    private static readonly string[] TableMetrics = [MetricNames.Dice, MetricNames.Auroc, MetricNames.PicaiScore];

    public static Command Create(IAnsiConsole console)
    {
        var strategies = new Option<string[]>("--strategy", "-s")
        {
            Description = "Strategies to compare (default: " + string.Join(", ", StrategyCatalog.Default) + "). One of: " + string.Join(", ", StrategyCatalog.Names) + ".",
            AllowMultipleArgumentsPerToken = true,
        };
        strategies.AcceptOnlyFromAmong([.. StrategyCatalog.Names]);
        var rounds = new Option<int>("--rounds", "-r") { Description = "Federated rounds.", DefaultValueFactory = _ => 10 };
        var scale = new Option<double>("--scale") { Description = "Fraction of the full-scale FLIP-6 cohort (about 3,500 patients).", DefaultValueFactory = _ => 0.08 };
        var seed = new Option<int>("--seed") { Description = "Seed of the cohort, the split, the model and the training.", DefaultValueFactory = _ => 7 };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
        var leaveOneOut = new Option<bool>("--leave-one-out")
        {
            Description = "Leave-one-site-out: for each hospital, train on the other five and test on all of its patients (default strategy fedavg).",
        };
        var minSites = new Option<int>("--min-sites")
        {
            Description = "The fewest hospitals whose updates a federated round aggregates; with fewer the model is kept and the round marked skipped " +
                "(the local-only and centralised baselines need one).",
            DefaultValueFactory = _ => 2,
        };
        minSites.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--min-sites must be at least 1."); });
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads (0 = one per core)." };
        var output = new Option<string?>("--out", "-o") { Description = "Run folder (default: runs/simulate-<UTC time>)." };
        var resume = new Option<string?>("--resume")
        {
            Description = "Continue the simulate run in this folder after a crash or Ctrl-C, from each strategy's last finished round, " +
                "with the settings it was started with; it ends with the same metrics as an uninterrupted run.",
        };
        var experiment = new Option<string?>("--experiment")
        {
            Description = "Run a JSON grid of experiments (strategies × seeds × learning rates × local epochs × μ), each cell its own run folder, " +
                "and print a comparison table. Example file: {\"strategies\": [\"fedavg\", \"fedprox\"], \"seeds\": [1, 2], \"rounds\": 5}.",
        };
        var manifest = new Option<string?>("--manifest", "-m")
        {
            Description = "Run on the cohort of a dataset manifest (e.g. the manifest.json that 'synth' writes) instead of the embedded FLIP-6; --scale then does not apply.",
        };
        var profile = new Option<string>("--profile") { Description = string.Join("; ", SimulateProfile.All.Select(p => $"{p.Name}: {p.Purpose}")) + ". Default: quick.", DefaultValueFactory = _ => "quick" };
        profile.AcceptOnlyFromAmong([.. SimulateProfile.All.Select(p => p.Name)]);
        var partition = PartitionOption.Create();
        var secure = SimulateSecurity.SecureAggregationOption();
        var secaggNeighbours = SimulateSecurity.NeighboursOption();
        var secaggThreshold = SimulateSecurity.ThresholdOption();
        var privacy = SimulateSecurity.PrivacyOptions();
        var attack = SimulateSecurity.AttackOption();
        var cache = SimulateCohort.CacheOption();
        rounds.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 1000) r.AddError("--rounds must be between 1 and 1000."); });
        scale.Validators.Add(r => { if (r.GetValueOrDefault<double>() is <= 0 or > 1) r.AddError("--scale must be in (0, 1]."); });

        var command = new Command("simulate",
            "Simulate the FLIP-6 hospital federation on this machine: lesion segmentation with patient-level csPCa scoring, " +
            "trained with local-only, FedAvg, FedProx, FedBN and centralised training; prints a per-hospital table and a " +
            "fairness summary and writes a run folder (run.json, metrics.csv, checkpoints per strategy).\n\n" +
            "Examples:\n  flip-research simulate\n  flip-research simulate --strategy fedavg fedbn --rounds 20 --out runs/fedbn-vs-fedavg")
        {
            strategies, rounds, scale, seed, device, output, profile, resume, experiment, threads, minSites, leaveOneOut, partition, manifest, secure, secaggNeighbours, secaggThreshold, privacy.Clip, privacy.Noise, privacy.Placement, attack, cache,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(experiment) is { } gridFile)
            {
                ExperimentGrid grid = ExperimentGrid.Load(gridFile);
                string gridFolder = parse.GetValue(output) ?? Path.Combine("runs", grid.Name + "-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
                return await RunGridAsync(console, grid, gridFolder, ct).ConfigureAwait(false);
            }

            if (parse.GetValue(resume) is { } resumeFolder)
            {
                SimulateSettings saved = SimulateSettings.Read(resumeFolder);
                var resumed = new ExperimentOptions
                {
                    Rounds = saved.Rounds, Seed = saved.Seed, Device = saved.Device, LocalEpochs = saved.LocalEpochs, MinTrainSites = saved.MinSites, Resume = true, Attack = SimulateSecurity.Attack(saved.Attack),
                    SecureAggregation = new Flip.Federated.SecureAggregation.SecureAggregationSettings { Neighbours = saved.SecAggNeighbours, ThresholdFraction = saved.SecAggThreshold },
                    Privacy = new PrivacySettings(saved.DpClip, saved.DpNoise, SimulateSecurity.Placement(saved.DpPlacement)),
                };
                return await RunAsync(console, [.. saved.Strategies], resumed, saved.Scale, resumeFolder, ct, saved.Partition, saved.Manifest).ConfigureAwait(false);
            }

            SimulateProfile chosenProfile = SimulateProfile.Named(parse.GetValue(profile));
            var options = new ExperimentOptions
            {
                Rounds = parse.GetResult(rounds) is { Implicit: false } ? parse.GetValue(rounds) : chosenProfile.Rounds,
                Seed = parse.GetValue(seed),
                Device = parse.GetValue(device) ?? "auto",
                LocalEpochs = chosenProfile.LocalEpochs,
                Threads = parse.GetValue(threads),
                MinTrainSites = parse.GetValue(minSites),
                Attack = SimulateSecurity.Attack(parse.GetValue(attack)),
                SecureAggregation = SimulateSecurity.Settings(parse, secaggNeighbours, secaggThreshold, parse.GetValue(secure)),
            };
            double cohortScale = parse.GetResult(scale) is { Implicit: false } ? parse.GetValue(scale) : chosenProfile.Scale;
            string[] names = SimulateSecurity.Strategies(parse.GetValue(strategies) is { Length: > 0 } chosen ? chosen : [.. StrategyCatalog.Default], parse.GetValue(secure));
            options = options with { Privacy = SimulateSecurity.Privacy(parse, privacy, names) };
            string folder = parse.GetValue(output) ?? Path.Combine("runs", "simulate-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            if (parse.GetValue(leaveOneOut))
            {
                string[] held = parse.GetValue(strategies) is { Length: > 0 } given ? given : ["fedavg"];
                return await RunLeaveOneOutAsync(console, held, options, cohortScale, folder, ct, parse.GetValue(manifest), parse.GetValue(cache)).ConfigureAwait(false);
            }

            return await RunAsync(console, names, options, cohortScale, folder, ct, parse.GetValue(partition) ?? "natural", parse.GetValue(manifest), parse.GetValue(cache)).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(IAnsiConsole console, string[] names, ExperimentOptions options, double scale, string folder, CancellationToken ct, string partition = "natural", string? manifest = null, string? cacheFolder = null)
    {
        // Before anything is written: a CUDA request on a CPU build is one clear error and leaves no run folder behind.
        Flip.Learning.Devices.DeviceChoice.Resolve(options.Device);
        var phases = new SimulatePhases();
        SimulateSettings settings;
        if (!options.Resume)
        {
            EnsureEmpty(folder, $"choose another --out, delete the folder, or continue it with --resume {folder}.");

            Directory.CreateDirectory(folder);
            settings = new SimulateSettings(names, options.Rounds, scale, options.Seed, options.Device, options.LocalEpochs, partition, manifest is null ? null : Path.GetFullPath(manifest), options.Attack?.ToString(),
                options.SecureAggregation.Neighbours, options.SecureAggregation.ThresholdFraction, options.MinTrainSites,
                options.Privacy.ClippingNorm, options.Privacy.NoiseMultiplier, SimulateSecurity.PlacementName(options.Privacy.Placement));
            settings.Write(folder);
        }
        else
        {
            settings = SimulateSettings.Read(folder);
        }

        PreparedCohort? slices = null;
        try
        {
            long preparing = Stopwatch.GetTimestamp();
            PreparedCohort cohort = PartitionOption.Prepare(console, scale, options.Seed, partition, manifest, cacheFolder, SimulateCohort.SlicesFolder(folder));
            slices = cohort;
            phases.PreprocessingSeconds = cohort.PreparationTime.TotalSeconds;
            phases.CohortSeconds = Math.Max(0, Stopwatch.GetElapsedTime(preparing).TotalSeconds - phases.PreprocessingSeconds);
            Directory.CreateDirectory(folder);
            using var log = new Logging.FileLogger(Path.Combine(folder, "simulate.log"));
            console.MarkupLineInterpolated($"[bold]{cohort.Cohort.Name}[/] {(manifest is null ? "synthetic cohort" : "cohort of " + manifest)}: {cohort.Cohort.PatientCount} patients at {cohort.Sites.Count} hospitals, {cohort.Sites.Sum(s => s.Train.Count)} training slices (prepared in {cohort.PreparationTime.TotalSeconds:F1} s).");
            long training = Stopwatch.GetTimestamp();
            StudyResult? study = null;
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var tasks = names.ToDictionary(n => n, n => context.AddTask(n, autoStart: false, maxValue: options.Rounds));
                    if (options.Resume)
                    {
                        foreach (string name in names)
                        {
                            tasks[name].Value = ProgressOf(Study.RunFolder(folder, name, options.Seed, severalSeeds: false));
                        }
                    }

                    // The study runs the strategies one after the other; a bar starts with its strategy's first round.
                    string? current = null;
                    var progress = new SynchronousProgress<StudyProgress>(p =>
                    {
                        if (p.Strategy != current)
                        {
                            Finish(current);
                            tasks[p.Strategy].StartTask();
                            current = p.Strategy;
                        }

                        tasks[p.Strategy].Value = p.Round.Round;
                        phases.Add(p.Round);
                    });
                    void Finish(string? name)
                    {
                        if (name is not null)
                        {
                            tasks[name].Value = options.Rounds;
                            tasks[name].StopTask();
                        }
                    }

                    study = await Study.RunAsync(cohort, names, options, folder: folder, progress: progress, logger: log, ct: ct).ConfigureAwait(false);
                    foreach (string name in names)
                    {
                        Finish(name);
                    }
                }).ConfigureAwait(false);
            phases.RoundsSeconds = Stopwatch.GetElapsedTime(training).TotalSeconds;

            long reporting = Stopwatch.GetTimestamp();
            IReadOnlyList<ExperimentResult> results = study!.Results();
            Comparison comparison = study.Comparison();
            foreach (ExperimentResult result in results.Where(r => r.Run.Failures.Count > 0))
            {
                console.MarkupLineInterpolated($"[yellow]{result.Strategy}: {result.Run.Failures.Count} site failure(s)[/] (details in simulate.log): {string.Join("; ", result.Run.Failures.Take(5))}");
            }

            console.Write(comparison.SiteTable(TableMetrics));
            console.Write(comparison.FairnessTable(MetricNames.PicaiScore));
            if (results.FirstOrDefault(r => r.Strategy == "local-only") is { } localOnly)
            {
                console.Write(localOnly.CrossSiteTable(comparison.Sites, MetricNames.Auroc));
            }

            foreach (ExperimentResult result in results.Where(r => r.Strategy == "dp-fedavg"))
            {
                // The privacy the run bought, beside the utility the tables show: ε of the last round at the accountant's δ.
                var last = result.Run.Metrics.Where(m => m.Site == Flip.Federated.Simulations.MetricRecord.FederatedSite && m.Metric == MetricNames.Epsilon).MaxBy(m => m.Round);
                PrivacySettings dp = options.Privacy;
                console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                    $"dp-fedavg: ε = {last?.Value:0.##} at δ = 1e-5 after {last?.Round} rounds (clip C = {dp.ClippingNorm:0.###}, noise z = {dp.NoiseMultiplier:0.###}, {SimulateSecurity.PlacementName(dp.Placement)} noise, all {cohort.Sites.Count} hospitals every round)."));
            }

            foreach (string line in comparison.HealthLines())
            {
                console.MarkupLine($"[red]{Markup.Escape(line)}[/]");
                log.LogWarning("Run check: {Line}", line);
            }

            Directory.CreateDirectory(folder);
            string summary = Path.Combine(folder, "comparison.csv");
            comparison.WriteCsv(summary);
            string report = Report.Write([.. names.Select(n => Path.Combine(folder, n))], Path.Combine(folder, "report.html"), new ReportOptions
            {
                Title = $"FLIP-6 simulation: {string.Join(", ", names)}",
                LocalRun = names.Contains("local-only") ? "local-only" : null,
                Seed = options.Seed,
            });
            phases.ReportSeconds = Stopwatch.GetElapsedTime(reporting).TotalSeconds;
            double peak = Flip.Benchmarks.Learning.TrainingWorkloads.PeakRssMegabytes();
            console.Write(phases.Table(peak));
            (settings with { PhaseSeconds = phases.Seconds(), PeakRssMegabytes = peak > 0 ? peak : null }).Write(folder);
            console.MarkupLineInterpolated($"Run folder: [bold]{folder}[/] (one sub-folder per strategy with run.json, metrics.csv, checkpoints; comparison.csv; simulate.json with the settings and these times).");
            console.MarkupLineInterpolated($"Report: [bold]{report}[/] (one self-contained HTML file; opens offline).");
            if (peak > 0)
            {
                console.MarkupLineInterpolated($"Peak memory: {peak:F0} MB resident (one model for all {cohort.Sites.Count} hospitals, one parameter set per site; slices read from disk a batch at a time).");
            }

            if (comparison.AnyNeverAggregated)
            {
                console.MarkupLineInterpolated($"[red]A strategy never aggregated anything; its results are an untrained model's (exit code {ExitCodes.StudyFailed}).[/]");
                return ExitCodes.StudyFailed;
            }

            return ExitCodes.Ok;
        }
        finally
        {
            // The run's working copy of the slices goes; the preprocessing cache (--cache) keeps the durable entries.
            SimulateCohort.DeleteSlices(slices, folder);
        }
    }

    private static async Task<int> RunLeaveOneOutAsync(IAnsiConsole console, string[] names, ExperimentOptions options, double scale, string folder, CancellationToken ct, string? manifest = null, string? cacheFolder = null)
    {
        EnsureEmpty(folder, "choose another --out, or delete the folder.");
        Flip.Learning.Devices.DeviceChoice.Resolve(options.Device);

        PreparedCohort? slices = null;
        try
        {
            PreparedCohort cohort = SimulateCohort.Prepare(manifest, scale, options.Seed, cacheFolder, console, SimulateCohort.SlicesFolder(folder));
            slices = cohort;
            var results = new List<HeldOutSiteResult>();
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    ProgressTask overall = context.AddTask("leave-one-site-out", maxValue: names.Length * cohort.Sites.Count * options.Rounds);
                    foreach (string name in names)
                    {
                        foreach (PreparedSite held in cohort.Sites)
                        {
                            int done = (int)overall.Value;
                            var progress = new SynchronousProgress<RoundReport>(r => overall.Value = done + r.Round);
                            results.Add(await Experiment.LeaveOneSiteOutAsync(cohort, name, held.Id,
                                options with { RunFolder = Path.Combine(folder, $"{name}-without-{held.Id}") }, progress, ct).ConfigureAwait(false));
                            overall.Value = done + options.Rounds;
                        }
                    }
                }).ConfigureAwait(false);

            var table = new Table().Border(TableBorder.Simple).Title("Leave-one-site-out: trained on the other hospitals, tested on all patients of the one left out")
                .AddColumn("left out").AddColumn("patients");
            foreach (string name in names)
            {
                table.AddColumn(new TableColumn($"{name} AUROC / Dice").RightAligned());
            }

            var csv = new System.Text.StringBuilder("strategy,held-out-site,patients,metric,value\n");
            foreach (PreparedSite held in cohort.Sites)
            {
                var cells = new List<string> { held.Id, results.First(r => r.HeldOutSite == held.Id).HeldOutPatients.ToString(CultureInfo.InvariantCulture) };
                foreach (string name in names)
                {
                    HeldOutSiteResult r = results.Single(x => x.HeldOutSite == held.Id && x.Federation.Strategy == StrategyCatalog.Create(name, options).Name);
                    cells.Add(string.Create(CultureInfo.InvariantCulture, $"{r.HeldOutMetrics.GetValueOrDefault(MetricNames.Auroc, double.NaN):F3} / {r.HeldOutMetrics.GetValueOrDefault(MetricNames.Dice, double.NaN):F3}"));
                    foreach (var (metric, value) in r.HeldOutMetrics)
                    {
                        CsvFile.AppendLine(csv, r.Federation.Strategy, held.Id, r.HeldOutPatients.ToString(CultureInfo.InvariantCulture), metric, CsvFile.Number(value));
                    }
                }

                table.AddRow(cells.ToArray());
            }

            console.Write(table);
            string path = Path.Combine(folder, "leave-one-site-out.csv");
            Flip.Federated.Runs.AtomicFile.WriteText(path, csv.ToString());
            console.MarkupLineInterpolated($"Run folders and leave-one-site-out.csv: [bold]{folder}[/].");
            return ExitCodes.Ok;
        }
        finally
        {
            SimulateCohort.DeleteSlices(slices, folder);
        }
    }

    private static async Task<int> RunGridAsync(IAnsiConsole console, ExperimentGrid grid, string folder, CancellationToken ct)
    {
        EnsureEmpty(folder, "choose another --out, or delete the folder.");

        Directory.CreateDirectory(folder);
        var cells = grid.Cells();
        console.MarkupLineInterpolated($"Experiment [bold]{grid.Name}[/]: {cells.Count} runs of {grid.Rounds} rounds on FLIP-6 at scale {grid.Scale}.");
        var rows = new List<(ExperimentCell Cell, FairnessRow? Auroc, FairnessRow? Dice, FairnessRow? Picai)>();
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask overall = context.AddTask("grid", maxValue: cells.Count * grid.Rounds);
                foreach (var seedGroup in cells.GroupBy(c => c.Seed))
                {
                    PreparedCohort cohort = Experiment.SyntheticFlip6(grid.Scale, seedGroup.Key);
                    foreach (ExperimentCell cell in seedGroup)
                    {
                        int done = (int)overall.Value;
                        var progress = new SynchronousProgress<RoundReport>(r => overall.Value = done + r.Round);
                        ExperimentResult result = await Experiment.SimulateAsync(cohort, cell.Strategy,
                            cell.Options with { RunFolder = Path.Combine(folder, cell.Name) }, progress, ct: ct).ConfigureAwait(false);
                        overall.Value = done + grid.Rounds;
                        Comparison comparison = Comparison.Build([result], cohort);
                        rows.Add((cell, comparison.Fairness(MetricNames.Auroc).SingleOrDefault(), comparison.Fairness(MetricNames.Dice).SingleOrDefault(),
                            comparison.Fairness(MetricNames.PicaiScore).SingleOrDefault()));
                    }
                }
            }).ConfigureAwait(false);

        var table = new Table().Border(TableBorder.Simple).Title($"{grid.Name}: mean over hospitals (worst hospital), last round")
            .AddColumns("run", "AUROC", "Dice", "PI-CAI", "PI-CAI gap");
        var csv = new System.Text.StringBuilder("run,strategy,seed,learning-rate,local-epochs,proximal-mu,auroc-mean,auroc-worst,dice-mean,dice-worst,picai-mean,picai-worst,picai-gap\n");
        static string F(double v) => double.IsNaN(v) ? "–" : v.ToString("F3", CultureInfo.InvariantCulture);
        foreach (var (cell, auroc, dice, picai) in rows)
        {
            table.AddRow(Markup.Escape(cell.Name), $"{F(auroc?.Mean ?? double.NaN)} ({F(auroc?.Worst ?? double.NaN)})",
                $"{F(dice?.Mean ?? double.NaN)} ({F(dice?.Worst ?? double.NaN)})", $"{F(picai?.Mean ?? double.NaN)} ({F(picai?.Worst ?? double.NaN)})",
                F(picai?.Gap ?? double.NaN));
            CsvFile.AppendLine(csv, cell.Name, cell.Strategy, cell.Seed.ToString(CultureInfo.InvariantCulture), CsvFile.Number(cell.Options.LearningRate),
                cell.Options.LocalEpochs.ToString(CultureInfo.InvariantCulture), CsvFile.Number(cell.Options.ProximalMu),
                CsvFile.Number(auroc?.Mean ?? double.NaN), CsvFile.Number(auroc?.Worst ?? double.NaN), CsvFile.Number(dice?.Mean ?? double.NaN), CsvFile.Number(dice?.Worst ?? double.NaN),
                CsvFile.Number(picai?.Mean ?? double.NaN), CsvFile.Number(picai?.Worst ?? double.NaN), CsvFile.Number(picai?.Gap ?? double.NaN));
        }

        console.Write(table);
        string path = Path.Combine(folder, "grid.csv");
        Flip.Federated.Runs.AtomicFile.WriteText(path, csv.ToString());
        console.MarkupLineInterpolated($"Run folders and grid.csv: [bold]{folder}[/].");
        return ExitCodes.Ok;
    }

    private static void EnsureEmpty(string folder, string fix)
    {
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw new FlipException($"run folder '{folder}' already exists and is not empty.", ExitCodes.BadCommandLine, fix);
        }
    }

    private static int ProgressOf(string runFolder)
    {
        try
        {
            return File.Exists(Path.Combine(runFolder, Flip.Federated.Runs.RunStore.ProgressFileName))
                ? Math.Max(0, Flip.Federated.Runs.RunStore.Open(runFolder).LastFinishedRound)
                : 0;
        }
        catch (FlipException)
        {
            return 0;
        }
    }
}
