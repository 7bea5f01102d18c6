using System.CommandLine;
using System.Globalization;
using Flip.Experiments;
using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Cli.Rendering;
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
        var output = new Option<string?>("--out", "-o") { Description = "Run folder (default: runs/simulate-<UTC time>)." };
        var resume = new Option<string?>("--resume")
        {
            Description = "Continue the simulate run in this folder after a crash or Ctrl-C, from each strategy's last finished round, " +
                "with the settings it was started with; it ends with the same metrics as an uninterrupted run.",
        };
        var profile = new Option<string>("--profile") { Description = "quick (default: 10 rounds, scale 0.08) or full (30 rounds, scale 0.25, 2 local epochs).", DefaultValueFactory = _ => "quick" };
        profile.AcceptOnlyFromAmong("quick", "full");
        rounds.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 1000) r.AddError("--rounds must be between 1 and 1000."); });
        scale.Validators.Add(r => { if (r.GetValueOrDefault<double>() is <= 0 or > 1) r.AddError("--scale must be in (0, 1]."); });

        var command = new Command("simulate",
            "Simulate the FLIP-6 hospital federation on this machine: lesion segmentation with patient-level csPCa scoring, " +
            "trained with local-only, FedAvg, FedProx, FedBN and centralised training; prints a per-hospital table and a " +
            "fairness summary and writes a run folder (run.json, metrics.csv, checkpoints per strategy).\n\n" +
            "Examples:\n  flip-research simulate\n  flip-research simulate --strategy fedavg fedbn --rounds 20 --out runs/fedbn-vs-fedavg")
        {
            strategies, rounds, scale, seed, device, output, profile, resume,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(resume) is { } resumeFolder)
            {
                SimulateSettings saved = SimulateSettings.Read(resumeFolder);
                var resumed = new ExperimentOptions { Rounds = saved.Rounds, Seed = saved.Seed, Device = saved.Device, LocalEpochs = saved.LocalEpochs, Resume = true };
                return await RunAsync(console, [.. saved.Strategies], resumed, saved.Scale, resumeFolder, ct).ConfigureAwait(false);
            }

            bool full = parse.GetValue(profile) == "full";
            var options = new ExperimentOptions
            {
                Rounds = parse.GetResult(rounds) is { Implicit: false } ? parse.GetValue(rounds) : full ? 30 : 10,
                Seed = parse.GetValue(seed),
                Device = parse.GetValue(device) ?? "auto",
                LocalEpochs = full ? 2 : 1,
            };
            double cohortScale = parse.GetResult(scale) is { Implicit: false } ? parse.GetValue(scale) : full ? 0.25 : 0.08;
            string[] names = parse.GetValue(strategies) is { Length: > 0 } chosen ? chosen : [.. StrategyCatalog.Default];
            string folder = parse.GetValue(output) ?? Path.Combine("runs", "simulate-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            return await RunAsync(console, names, options, cohortScale, folder, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(IAnsiConsole console, string[] names, ExperimentOptions options, double scale, string folder, CancellationToken ct)
    {
        if (!options.Resume)
        {
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            {
                throw new FlipException($"run folder '{folder}' already exists and is not empty.", ExitCodes.BadCommandLine,
                    $"choose another --out, delete the folder, or continue it with --resume {folder}.");
            }

            Directory.CreateDirectory(folder);
            new SimulateSettings(names, options.Rounds, scale, options.Seed, options.Device, options.LocalEpochs).Write(folder);
        }

        PreparedCohort cohort = Experiment.SyntheticFlip6(scale, options.Seed);
        console.MarkupLineInterpolated($"[bold]FLIP-6[/] synthetic cohort: {cohort.Cohort.PatientCount} patients at {cohort.Sites.Count} hospitals, {cohort.Sites.Sum(s => s.Train.Count)} training slices (prepared in {cohort.PreparationTime.TotalSeconds:F1} s).");
        var results = new List<ExperimentResult>();
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var tasks = names.ToDictionary(n => n, n => context.AddTask(n, autoStart: false, maxValue: options.Rounds));
                foreach (string name in names)
                {
                    ProgressTask task = tasks[name];
                    task.StartTask();
                    if (options.Resume)
                    {
                        task.Value = ProgressOf(Path.Combine(folder, name));
                    }

                    var progress = new SynchronousProgress<RoundReport>(r => task.Value = r.Round);
                    var run = options with { RunFolder = Path.Combine(folder, name) };
                    results.Add(await Experiment.SimulateAsync(cohort, name, run, progress, ct: ct).ConfigureAwait(false));
                    task.Value = options.Rounds;
                    task.StopTask();
                }
            }).ConfigureAwait(false);

        Comparison comparison = Comparison.Build(results, cohort);
        console.Write(comparison.SiteTable(TableMetrics));
        console.Write(comparison.FairnessTable(MetricNames.PicaiScore));
        if (results.FirstOrDefault(r => r.Strategy == "local-only") is { } localOnly)
        {
            console.Write(localOnly.CrossSiteTable(comparison.Sites, MetricNames.Auroc));
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
        console.MarkupLineInterpolated($"Run folder: [bold]{folder}[/] (one sub-folder per strategy with run.json, metrics.csv, checkpoints; comparison.csv).");
        console.MarkupLineInterpolated($"Report: [bold]{report}[/] (one self-contained HTML file; opens offline).");
        return ExitCodes.Ok;
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

    /// <summary>Reports on the calling thread, so the progress bar sees every round in order.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
