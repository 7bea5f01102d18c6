using System.CommandLine;
using System.Globalization;
using Flip.Benchmarks;
using Flip.Experiments;
using Flip.Federated;
using Flip.Federated.Attacks;
using Flip.Benchmarks.Federated;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research bench secagg</c> and <c>flip-research bench robust</c>.</summary>
internal static class SecurityBenchCommands
{
    public static Command SecureAggregation(IAnsiConsole console)
    {
        var rounds = new Option<int>("--rounds") { Description = "Timed aggregations of each kind (the median is shown).", DefaultValueFactory = _ => 5 };
        rounds.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 100) r.AddError("--rounds must be between 1 and 100."); });
        var json = BenchCommand.JsonOption();
        var command = new Command("secagg", "Secure aggregation (SecAgg+, every pair masked) on the W1 U-Net's parameters with six sites: time per round against plain " +
            "FedAvg, bytes per site, error against FedAvg's exact mean (with and without two sites dropped), and the chi-square test of one masked update " +
            "against uniform noise.\n\nExample:\n  flip-research bench secagg")
        {
            rounds, json,
        };
        command.SetAction(parse =>
        {
            var r = SecureAggregationBenchmark.Run(parse.GetValue(rounds));
            if (parse.GetValue(json))
            {
                BenchmarkReport.Create("bench secagg", null, SecureAggregationRecords(r, parse.GetValue(rounds))).Write(Console.Out);
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple).Title($"SecAgg+ FedAvg, {r.Sites} sites, {r.Parameters:N0} values (W1 U-Net), one process")
                .AddColumns("measure", "plain FedAvg", "SecAgg+ FedAvg");
            table.AddRow("aggregation per round, ms (median)", F($"{r.PlainMilliseconds:F1}"), F($"{r.SecureMilliseconds:F1} ({r.SecureMilliseconds / r.PlainMilliseconds:F0}×)"));
            table.AddRow(F($"round with {r.Dropped} sites dropped, ms"), "–", F($"{r.SecureWithDropoutsMilliseconds:F1}"));
            table.AddRow("bytes sent per site", F($"{r.PlainBytesPerSite:N0}"), F($"{r.SecureBytesPerSite:N0} ({r.SecureBytesPerSite / r.PlainBytesPerSite:F3}×)"));
            table.AddRow("max |error| vs FedAvg", "0", F($"{r.MaxErrorVsFedAvg:E2}"));
            table.AddRow(F($"max |error| vs FedAvg of survivors ({r.Dropped} dropped)"), "0", F($"{r.MaxErrorVsFedAvgWithDropouts:E2}"));
            table.AddRow("quantisation bound on one summed value (n·c/q)", "–", F($"{r.SumErrorBound:E2}"));
            table.AddRow("one masked update: chi-square vs uniform (255 df)", "–", F($"{r.ChiSquare:F1}, p = {r.ChiSquarePValue:F3}"));
            table.AddRow("one masked update: correlation with the update", "1 (sent in the clear)", F($"{r.CorrelationWithUpdate:+0.0000;-0.0000}"));
            console.Write(table);
            console.MarkupLine("[grey]The secure time is every site's masking and the server's unmasking in one process; on a real network each site masks in parallel.[/]");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Robust(IAnsiConsole console)
    {
        var attack = new Option<string>("--attack") { Description = "The poisoned hospital and what it does (SITE:sign-flip[=s], SITE:scale=s, SITE:noise[=sigma]).", DefaultValueFactory = _ => "site-3:scale=10" };
        var strategies = new Option<string[]>("--strategy", "-s") { Description = "Strategies (default: " + string.Join(", ", RobustnessStudy.DefaultStrategies) + ").", AllowMultipleArgumentsPerToken = true };
        strategies.AcceptOnlyFromAmong([.. StrategyCatalog.Names]);
        var rounds = new Option<int>("--rounds", "-r") { Description = "Federated rounds per run.", DefaultValueFactory = _ => 5 };
        rounds.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 1000) r.AddError("--rounds must be between 1 and 1000."); });
        var scale = new Option<double>("--scale") { Description = "Fraction of the full-scale FLIP-6 cohort.", DefaultValueFactory = _ => 0.04 };
        scale.Validators.Add(r => { if (r.GetValueOrDefault<double>() is <= 0 or > 1) r.AddError("--scale must be in (0, 1]."); });
        var seed = new Option<int>("--seed") { Description = "Seed of the cohort, the model and the training.", DefaultValueFactory = _ => 7 };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads (0 = one per core)." };
        var json = BenchCommand.JsonOption();
        var command = new Command("robust", "Robust aggregation under attack: FedAvg, Krum (f = 1), trimmed mean (β = 0.2) and FedMedian trained on the synthetic " +
            "FLIP-6 cohort (U-Net segmentation) without and with one poisoned hospital; prints each hospital's final Dice and the honest hospitals' mean Dice and AUROC.\n\n" +
            "Example:\n  flip-research bench robust --attack site-3:sign-flip --rounds 5")
        {
            attack, strategies, rounds, scale, seed, threads, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            SiteAttack poison = SimulateSecurity.Attack(parse.GetValue(attack))!;
            string[] names = parse.GetValue(strategies) is { Length: > 0 } chosen ? chosen : [.. RobustnessStudy.DefaultStrategies];
            var options = new ExperimentOptions { Rounds = parse.GetValue(rounds), Seed = parse.GetValue(seed), Threads = parse.GetValue(threads) };
            PreparedCohort cohort = Experiment.SyntheticFlip6(parse.GetValue(scale), options.Seed);
            if (parse.GetValue(json))
            {
                IReadOnlyList<RobustnessRow> measured = await RobustnessStudy.RunAsync(cohort, poison, names, options, null, ct).ConfigureAwait(false);
                BenchmarkReport.Create("bench robust", options.Threads, RobustRecords(measured, poison, options.Threads).Where(r => double.IsFinite(r.Median))).Write(Console.Out);
                return ExitCodes.Ok;
            }

            console.MarkupLineInterpolated($"FLIP-6 synthetic cohort: {cohort.Cohort.PatientCount} patients at {cohort.Sites.Count} hospitals; {options.Rounds} rounds per run, {names.Length * 2} runs.");
            IReadOnlyList<RobustnessRow> rows = [];
            await console.Status().StartAsync("training", async context =>
            {
                rows = await RobustnessStudy.RunAsync(cohort, poison, names, options, new Progress<string>(s => context.Status(Markup.Escape(s))), ct).ConfigureAwait(false);
            }).ConfigureAwait(false);

            var sites = cohort.Sites.Select(s => s.Id).ToList();
            var table = new Table().Border(TableBorder.Simple).Title($"Final Dice per hospital, clean and with {Markup.Escape(poison.ToString())} (the poisoned hospital marked *)")
                .AddColumns("strategy", "run");
            foreach (string site in sites)
            {
                table.AddColumn(new TableColumn(site == poison.Site.Value ? site + "*" : site).RightAligned());
            }

            table.AddColumn(new TableColumn("honest mean Dice").RightAligned()).AddColumn(new TableColumn("honest mean AUROC").RightAligned()).AddColumn(new TableColumn("s").RightAligned());
            foreach (RobustnessRow row in rows)
            {
                var cells = new List<string> { row.Strategy, row.Attack is null ? "clean" : "attacked" };
                cells.AddRange(sites.Select(s => F3(row.SiteMetrics.TryGetValue(s, out var m) ? m.GetValueOrDefault(MetricNames.Dice, double.NaN) : double.NaN)));
                cells.Add(F3(row.HonestMean(MetricNames.Dice, poison.Site)));
                cells.Add(F3(row.HonestMean(MetricNames.Auroc, poison.Site)));
                cells.Add(F($"{row.Elapsed.TotalSeconds:F0}"));
                table.AddRow([.. cells.Select(Markup.Escape)]);
            }

            console.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>SecAgg+ against plain FedAvg as its peer: time per aggregation (with and without dropouts), bytes per site, error against the exact mean.</summary>
    private static IEnumerable<BenchmarkRecord> SecureAggregationRecords(SecureAggregationBenchmarkResult r, int rounds)
    {
        // Each figure is the median of the timed aggregations; the benchmark keeps no range. Threads: not pinned.
        yield return new BenchmarkRecord("secagg aggregation", "ms", false, r.SecureMilliseconds, null, null, rounds, 0, "plain FedAvg", r.PlainMilliseconds);
        yield return new BenchmarkRecord(F($"secagg aggregation, {r.Dropped} sites dropped"), "ms", false, r.SecureWithDropoutsMilliseconds, null, null, rounds, 0);
        yield return new BenchmarkRecord("secagg bytes per site", "B", false, r.SecureBytesPerSite, null, null, 1, 0, "plain FedAvg", r.PlainBytesPerSite);
        yield return new BenchmarkRecord("secagg max error vs FedAvg", "|Δ|", false, r.MaxErrorVsFedAvg, null, null, 1, 0);
    }

    /// <summary>Per strategy and condition (clean, attacked): the honest hospitals' mean Dice and AUROC (NaN where undefined), and the run's wall time.</summary>
    private static IEnumerable<BenchmarkRecord> RobustRecords(IReadOnlyList<RobustnessRow> rows, SiteAttack poison, int threads)
    {
        foreach (RobustnessRow row in rows)
        {
            string run = $"robust {row.Strategy} {(row.Attack is null ? "clean" : "attacked")}";
            yield return new BenchmarkRecord(run + " honest mean Dice", "Dice", true, row.HonestMean(MetricNames.Dice, poison.Site), null, null, 1, threads);
            yield return new BenchmarkRecord(run + " honest mean AUROC", "AUROC", true, row.HonestMean(MetricNames.Auroc, poison.Site), null, null, 1, threads);
            yield return new BenchmarkRecord(run + " time", "s", false, row.Elapsed.TotalSeconds, null, null, 1, threads);
        }
    }

    private static string F3(double value) => double.IsNaN(value) ? "–" : value.ToString("F3", CultureInfo.InvariantCulture);

    private static string F(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
