namespace Flip.Cli.Tests;

public sealed class SimulateCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-sim-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_paper_profile_sets_two_local_epochs_and_the_whole_cohort_and_explicit_options_still_win()
    {
        string run = Path.Combine(_folder, "paper");

        // --scale and --rounds given: the profile supplies only what was not (scale 1 and 50 rounds are an overnight run).
        CliProcess.Result result = CliProcess.Run("simulate", "--profile", "paper", "--scale", "0.005", "--rounds", "1", "--strategy", "fedavg", "--device", "cpu", "--out", run);

        Assert.True(result.ExitCode == 0, result.All);
        using var settings = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "simulate.json")));
        Assert.Equal(2, settings.RootElement.GetProperty("local-epochs").GetInt32());
        Assert.Equal(1, settings.RootElement.GetProperty("rounds").GetInt32());
        Assert.Equal(0.005, settings.RootElement.GetProperty("scale").GetDouble());

        CliProcess.Result help = CliProcess.Run("simulate", "--help");
        Assert.Contains("paper: 50 rounds, scale 1 (the whole consortium", System.Text.RegularExpressions.Regex.Replace(help.Output, @"\s+", " "), StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_compares_strategies_per_hospital_and_writes_the_run_folder()
    {
        string run = Path.Combine(_folder, "run");

        CliProcess.Result result = CliProcess.Run("simulate", "--strategy", "local-only", "fedavg", "--rounds", "1", "--scale", "0.02", "--device", "cpu", "--out", run);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("FLIP-6 synthetic cohort", result.Output);
        foreach (string site in new[] { "site-1", "site-2", "site-3", "site-4", "site-5", "site-6" })
        {
            Assert.Contains(site, result.Output);
        }

        Assert.Contains("Fairness across hospitals: picai-score", result.Output);
        Assert.DoesNotContain("(!)", result.Output);   // both strategies aggregated every round and their loss fell
        Assert.Contains("best − worst", result.Output);
        foreach (string strategy in new[] { "local-only", "fedavg" })
        {
            Assert.StartsWith("round,site,split,metric,value", File.ReadAllText(Path.Combine(run, strategy, "metrics.csv")));
            Assert.True(File.Exists(Path.Combine(run, strategy, "run.json")));
        }

        string html = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.Contains("FLIP-6 simulation: local-only, fedavg", html);
        Assert.DoesNotContain("src=\"http", html);    // self-contained: plotly.js is inline
        Assert.StartsWith("site,patient,label,score", File.ReadAllText(Path.Combine(run, "fedavg", "predictions.csv")));

        // The report verb rebuilds the same report from the run folders.
        CliProcess.Result again = CliProcess.Run("report", run, "--out", Path.Combine(_folder, "again.html"));
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("Report of 2 run(s)", again.Output);
        Assert.True(new FileInfo(Path.Combine(_folder, "again.html")).Length > 1_000_000);

        string[] comparison = File.ReadAllLines(Path.Combine(run, "comparison.csv"));
        Assert.Equal("strategy,site,metric,value", comparison[0]);
        Assert.Contains(comparison, line => line.StartsWith("fedavg,site-6,auroc,", StringComparison.Ordinal));
    }

    [Fact]
    public void Simulate_refuses_a_run_folder_that_is_not_empty()
    {
        File.WriteAllText(Path.Combine(_folder, "keep.txt"), "earlier results");

        CliProcess.Result result = CliProcess.Run("simulate", "--rounds", "1", "--out", _folder);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("already exists and is not empty", result.All);
        Assert.Equal("earlier results", File.ReadAllText(Path.Combine(_folder, "keep.txt")));
    }

    [Fact]
    public void Report_refuses_a_folder_without_runs()
    {
        CliProcess.Result result = CliProcess.Run("report", _folder);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("holds no run.json and no run folders", result.All);
    }

    [Fact]
    public void Simulate_refuses_an_unknown_strategy()
    {
        CliProcess.Result result = CliProcess.Run("simulate", "--strategy", "fedmagic");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("fedmagic", result.All);
    }
}

public sealed class ExperimentGridCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-grid-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Simulate_runs_an_experiment_grid_and_writes_one_folder_per_cell_and_grid_csv()
    {
        string file = Path.Combine(_folder, "grid.json");
        File.WriteAllText(file, """{ "name": "tiny", "strategies": ["fedavg", "fedprox"], "seeds": [1], "rounds": 1, "scale": 0.02, "proximal-mu": [0.01, 0.1], "device": "cpu" }""");
        string output = Path.Combine(_folder, "out");

        CliProcess.Result result = CliProcess.Run("simulate", "--experiment", file, "--out", output);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("3 runs of 1 rounds", result.Output);
        string[] lines = File.ReadAllLines(Path.Combine(output, "grid.csv"));
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("run,strategy,seed,learning-rate,local-epochs,proximal-mu,auroc-mean", lines[0]);
        Assert.StartsWith("fedprox-seed1-lr0.002-e1-mu0.1,fedprox,1,0.002,1,0.1,", lines[3]);
        Assert.True(File.Exists(Path.Combine(output, "fedavg-seed1-lr0.002-e1", "metrics.csv")));
    }
}

public sealed class LeaveOneOutCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-loso-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Simulate_leave_one_out_tests_each_hospital_after_training_without_it()
    {
        string output = Path.Combine(_folder, "loso");

        CliProcess.Result result = CliProcess.Run("simulate", "--leave-one-out", "--rounds", "1", "--scale", "0.02", "--device", "cpu", "--out", output);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("Leave-one-site-out", result.Output);
        string[] lines = File.ReadAllLines(Path.Combine(output, "leave-one-site-out.csv"));
        Assert.Equal("strategy,held-out-site,patients,metric,value", lines[0]);
        foreach (string site in new[] { "site-1", "site-2", "site-3", "site-4", "site-5", "site-6" })
        {
            Assert.Contains(lines, l => l.StartsWith($"fedavg,{site},", StringComparison.Ordinal) && l.Contains(",auroc,", StringComparison.Ordinal));
            Assert.True(Directory.Exists(Path.Combine(output, $"fedavg-without-{site}")));
        }
    }
}

public sealed class SimulateRunCheckTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-check-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_strategy_that_never_aggregated_is_marked_in_the_table_and_the_report_and_the_exit_code_says_so()
    {
        string run = Path.Combine(_folder, "run");

        // Seven hospitals required of six: every FedAvg round is skipped; centralised keeps its own minimum of one.
        CliProcess.Result result = CliProcess.Run("simulate", "--strategy", "fedavg", "centralised", "--min-sites", "7", "--rounds", "2", "--scale", "0.02", "--device", "cpu", "--out", run);

        Assert.True(result.ExitCode == 7, result.All);
        Assert.Contains("fedavg (!)", result.Output);
        Assert.DoesNotContain("centralised (!)", result.Output);
        Assert.Contains("(!) fedavg: no round aggregated anything (2 of 2 skipped)", result.Output);
        Assert.Contains("A strategy never aggregated anything", result.Output);
        string html = File.ReadAllText(Path.Combine(run, "report.html"));
        int start = html.IndexOf("id=\"run-checks\"", StringComparison.Ordinal);
        Assert.True(start >= 0, "report.html has no run-checks box");
        string checks = html[start..html.IndexOf("</div>", start, StringComparison.Ordinal)];
        Assert.Contains("fedavg: no round aggregated anything", checks);
        Assert.DoesNotContain("centralised: ", checks);
        Assert.Contains("\"min-sites\": 7", File.ReadAllText(Path.Combine(run, "simulate.json")));
    }
}
