using Flip.Federated.Runs;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Federated.Tests.Toy;

namespace Flip.Federated.Tests.Runs;

public sealed class RunStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "flip-run-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static List<Site> Sites() =>
    [
        .. Enumerable.Range(0, 3).Select(i => new Site(new SiteId($"site-{i}"), new LinearRegressionTrainer(200 + i, [1, 2], -0.5, trainCount: 24 + (8 * i)))),
    ];

    private static FedAvgM Strategy() => new() { TrainConfig = new TrainConfig { LearningRate = 0.05 }, Momentum = 0.5 };

    [Fact]
    public void ParameterSetFile_round_trips_every_element_type_bit_for_bit()
    {
        var set = ParameterSet.Create(
            ParameterArray.Float32("enc1.conv1.weight", [2, 1, 1, 2], [1.5f, float.Epsilon, -0f, float.MaxValue]),
            ParameterArray.Float64("m/scale", [1], [Math.PI]),
            ParameterArray.Int64("enc1.bn1.num_batches_tracked", [], [long.MaxValue]));
        using var stream = new MemoryStream();

        ParameterSetFile.Write(stream, set);
        var back = ParameterSetFile.Read(stream.ToArray(), "memory");

        Assert.True(set.ContentEquals(back));
    }

    [Fact]
    public void ParameterSetFile_reports_the_offset_of_a_truncated_array()
    {
        using var stream = new MemoryStream();
        ParameterSetFile.Write(stream, ParameterSet.Create(ParameterArray.Float32("w", [4], [1, 2, 3, 4])));
        byte[] truncated = stream.ToArray()[..^(32 + 4)]; // a version-1 file (no hash trailer) cut short
        truncated[8] = 1;

        var error = Assert.Throws<RunStoreException>(() => ParameterSetFile.Read(truncated, "round-0003.params"));

        // 8 magic + 4 version + 4 count + 2 name length + 1 name + 1 type + 1 rank + 4 dimension = byte 25.
        Assert.Equal("round-0003.params: at byte 25: array `w` of shape [4] needs 16 bytes, 12 are left (file truncated?).", error.Message);
    }

    [Fact]
    public void ParameterSetFile_rejects_a_file_of_another_kind()
    {
        var error = Assert.Throws<RunStoreException>(() => ParameterSetFile.Read("not a checkpoint at all"u8, "x.params"));

        Assert.Equal("x.params: at byte 0: not a FLIP parameter file; expected the 8 bytes \"FLIPPSET\".", error.Message);
    }

    [Fact]
    public async Task A_run_writes_run_json_metrics_csv_and_a_checkpoint_per_round()
    {
        string folder = Path.Combine(_root, "run");

        var options = new SimulationOptions { Rounds = 3, Seed = 5, InputHashes = new Dictionary<string, string> { ["manifest"] = "sha256:abc" } };
        var run = await new Simulation(Sites(), Strategy(), options).RunAsync(LinearRegressionTrainer.Initial(), folder);

        Assert.Equal(folder, run.RunFolder);
        string json = File.ReadAllText(Path.Combine(folder, "run.json"));
        Assert.Contains("\"strategy\": \"fedavgm\"", json);
        Assert.Contains("\"seed\": 5", json);
        Assert.Contains("\"flip-federated\"", json);
        Assert.Contains("\"manifest\": \"sha256:abc\"", json);
        var info = RunStore.Open(folder).Info;
        Assert.Equal("sha256:abc", info.InputHashes["manifest"]);
        Assert.Equal("0.5", info.StrategySettings["Momentum"]);
        Assert.Equal("0.05", info.StrategySettings["TrainConfig.LearningRate"]);
        Assert.Equal("3", info.SimulationSettings["Rounds"]);
        Assert.Equal((40, 32), (info.SiteSummaries["site-2"].TrainExampleCount, info.SiteSummaries["site-2"].EvaluationExampleCount));
        string[] csv = File.ReadAllLines(Path.Combine(folder, "metrics.csv"));
        Assert.Equal("round,site,split,metric,value", csv[0]);
        Assert.Contains("3,server,round,sites-aggregated,3", csv);
        Assert.Equal(MetricsFile.Format(run.Metrics), File.ReadAllText(Path.Combine(folder, "metrics.csv")));
        for (int round = 0; round <= 3; round++)
        {
            Assert.True(File.Exists(Path.Combine(folder, "checkpoints", $"round-{round:D4}.params")));
        }

        Assert.True(ParameterSetFile.Read(Path.Combine(folder, "checkpoints", "round-0003.params")).ContentEquals(run.FinalParameters));
        Assert.Empty(Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task No_file_of_the_run_folder_carries_what_a_failing_site_said()
    {
        // site-1 throws with a message naming a patient file; the run folder must not repeat it.
        var sites = Sites();
        sites[1] = new Site(new SiteId("site-1"), new LinearRegressionTrainer(201, [1, 2], -0.5) { FailInRounds = new HashSet<int> { 1, 2 } });
        string folder = Path.Combine(_root, "run");

        var run = await new Simulation(sites, Strategy(), new SimulationOptions { Rounds = 2 }).RunAsync(LinearRegressionTrainer.Initial(), folder);

        Assert.Equal(2, run.Failures.Count);
        foreach (string file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("patient", File.ReadAllText(file), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task A_folder_that_holds_a_run_is_not_overwritten()
    {
        string folder = Path.Combine(_root, "run");
        await new Simulation(Sites(), Strategy(), new SimulationOptions { Rounds = 1 }).RunAsync(LinearRegressionTrainer.Initial(), folder);

        var error = await Assert.ThrowsAsync<RunStoreException>(() => new Simulation(Sites(), Strategy(), new SimulationOptions { Rounds = 1 }).RunAsync(LinearRegressionTrainer.Initial(), folder));

        Assert.EndsWith("run.json already exists; a run folder holds one run.", error.Message);
    }

    [Fact]
    public async Task Resuming_after_an_interruption_ends_with_the_metrics_of_an_uninterrupted_run()
    {
        // Given an uninterrupted 6-round run …
        var options = new SimulationOptions { Rounds = 6, Seed = 9, DropoutProbability = 0.2 };
        string whole = Path.Combine(_root, "whole");
        var expected = await new Simulation(Sites(), Strategy(), options).RunAsync(LinearRegressionTrainer.Initial(), whole);

        // … and the same run stopped (like Ctrl-C) after round 3,
        string interrupted = Path.Combine(_root, "interrupted");
        using var stop = new CancellationTokenSource();
        var progress = new StopAfter(3, stop);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new Simulation(Sites(), Strategy(), options).RunAsync(LinearRegressionTrainer.Initial(), interrupted, progress, stop.Token));
        Assert.Equal(3, RunStore.Open(interrupted).LastFinishedRound);

        // When a fresh process (new sites, new strategy) resumes it,
        var resumed = await new Simulation(Sites(), Strategy(), options).ResumeAsync(interrupted);

        // Then metrics.csv, the metrics and the final model equal the uninterrupted run's.
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "metrics.csv")), File.ReadAllText(Path.Combine(interrupted, "metrics.csv")));
        Assert.Equal(expected.Metrics, resumed.Metrics);
        Assert.Equal(expected.Failures, resumed.Failures);
        Assert.NotEmpty(expected.Failures);
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "failures.csv")), File.ReadAllText(Path.Combine(interrupted, "failures.csv")));
        Assert.True(expected.FinalParameters.ContentEquals(resumed.FinalParameters));
        Assert.Equal(6, resumed.RoundsCompleted);
    }

    public static TheoryData<string> StatefulStrategies() => ["fedbn", "scaffold", "local-only"];

    [Theory]
    [MemberData(nameof(StatefulStrategies))]
    public async Task Resuming_restores_the_state_kept_at_each_site(string name)
    {
        // FedBN here keeps the bias at each site; SCAFFOLD keeps cᵢ; local-only keeps the whole model.
        Strategy Create() => name switch
        {
            "fedbn" => new FedBN { IsLocal = n => n == "linear.bias", TrainConfig = new TrainConfig { LearningRate = 0.05 } },
            "scaffold" => new Scaffold { TrainConfig = new TrainConfig { LearningRate = 0.05 } },
            _ => new LocalOnly { TrainConfig = new TrainConfig { LearningRate = 0.05 } },
        };
        var options = new SimulationOptions { Rounds = 5, Seed = 4 };
        var expected = await new Simulation(Sites(), Create(), options).RunAsync(LinearRegressionTrainer.Initial(), Path.Combine(_root, "whole"));
        string interrupted = Path.Combine(_root, "interrupted");
        using var stop = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new Simulation(Sites(), Create(), options).RunAsync(LinearRegressionTrainer.Initial(), interrupted, new StopAfter(2, stop), stop.Token));

        var resumed = await new Simulation(Sites(), Create(), options).ResumeAsync(interrupted);

        Assert.Equal(expected.Metrics, resumed.Metrics);
        Assert.True(File.Exists(Path.Combine(interrupted, "checkpoints", "round-0002.site-site-1.params")));
    }

    [Fact]
    public async Task Resuming_after_a_stop_in_the_middle_of_a_round_ends_like_an_uninterrupted_run()
    {
        var options = new SimulationOptions { Rounds = 5, Seed = 21, MaxParallelism = 2 };
        var expected = await new Simulation(Sites(), Strategy(), options).RunAsync(LinearRegressionTrainer.Initial(), Path.Combine(_root, "whole"));

        // The process dies while site-1 trains in round 4, leaving a half-written temporary file behind.
        string interrupted = Path.Combine(_root, "interrupted");
        using var stop = new CancellationTokenSource();
        var sites = Sites();
        sites[1] = new Site(sites[1].Id, new CrashIn(4, sites[1].Trainer, stop));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new Simulation(sites, Strategy(), options).RunAsync(LinearRegressionTrainer.Initial(), interrupted, ct: stop.Token));
        File.WriteAllText(Path.Combine(interrupted, "metrics.csv.tmp"), "round,site,split,metric,value\n4,site-0,tr");
        Assert.Equal(3, RunStore.Open(interrupted).LastFinishedRound);

        var resumed = await new Simulation(Sites(), Strategy(), options).ResumeAsync(interrupted);

        Assert.Equal(expected.Metrics, resumed.Metrics);
        Assert.Equal(File.ReadAllText(Path.Combine(_root, "whole", "metrics.csv")), File.ReadAllText(Path.Combine(interrupted, "metrics.csv")));
        Assert.False(File.Exists(Path.Combine(interrupted, "metrics.csv.tmp")));
    }

    [Fact]
    public async Task Resume_ignores_metric_rows_of_a_round_that_did_not_finish()
    {
        string folder = Path.Combine(_root, "run");
        await new Simulation(Sites(), Strategy(), new SimulationOptions { Rounds = 2 }).RunAsync(LinearRegressionTrainer.Initial(), folder);
        File.AppendAllText(Path.Combine(folder, "metrics.csv"), "3,site-0,test,loss,0.5\n");

        var rows = RunStore.Open(folder).ReadMetrics();

        Assert.DoesNotContain(rows, r => r.Round == 3);
    }

    [Fact]
    public async Task A_damaged_metrics_line_is_named_by_file_line_and_column_when_a_resume_reads_it()
    {
        // Given a finished run whose metrics.csv gained a value in a comma-decimal culture (the one reader of MetricsFile)
        string folder = Path.Combine(_root, "run");
        await new Simulation(Sites(), Strategy(), new SimulationOptions { Rounds = 2 }).RunAsync(LinearRegressionTrainer.Initial(), folder);
        string metrics = Path.Combine(folder, "metrics.csv");
        int line = File.ReadAllLines(metrics).Length + 1;
        File.AppendAllText(metrics, "1,site-0,test,mse,0;5\n");

        // When a resume reads the run's metrics
        var error = Assert.Throws<RunStoreException>(() => RunStore.Open(folder).ReadMetrics());

        // Then the error is the reports' sentence for the same file, with the bad-input exit code
        Assert.Equal(System.FormattableString.Invariant($"{metrics}:{line} column 5 (value): '0;5'; expected an invariant-culture number such as 0.81."), error.Message);
        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
    }

    [Fact]
    public async Task A_failure_reason_with_commas_quotes_and_line_breaks_reads_back_as_written_and_a_bad_category_is_placed()
    {
        // Given a finished run whose failures.csv is written by the one CSV writer (RFC 4180 quoting)
        string folder = Path.Combine(_root, "run");
        await new Simulation(Sites(), Strategy(), new SimulationOptions { Rounds = 2 }).RunAsync(LinearRegressionTrainer.Initial(), folder);
        string failures = Path.Combine(folder, RunStore.FailuresFileName);
        var written = new SiteFailure(new SiteId("site-1"), 2, "train", FailureCategory.Data, "series 1.2.3: \"T2W\" missing,\nexpected 3 channels, found 2");
        File.WriteAllText(failures, RunStore.FormatFailures([written]));

        // When a resume reads it, the reason is the one written, commas and quotes included (a line break is a space: one record per line)
        Assert.Equal([written with { Reason = "series 1.2.3: \"T2W\" missing, expected 3 channels, found 2" }], RunStore.Open(folder).ReadFailures());

        // And a category the file format does not know is named by line and column
        File.AppendAllText(failures, "1,site-2,train,exploded,reason\n");
        var error = Assert.Throws<RunStoreException>(() => RunStore.Open(folder).ReadFailures());
        Assert.Equal($"{failures}:3 column 4 (category): 'exploded'; expected one of trainer, data, timeout, dropout, invalidreply.", error.Message);
    }

    [Fact]
    public async Task Resume_with_another_seed_is_refused()
    {
        string folder = Path.Combine(_root, "run");
        await new Simulation(Sites(), Strategy(), new SimulationOptions { Rounds = 2, Seed = 1 }).RunAsync(LinearRegressionTrainer.Initial(), folder);

        var error = await Assert.ThrowsAsync<RunStoreException>(() => new Simulation(Sites(), Strategy(), new SimulationOptions { Rounds = 2, Seed = 2 }).ResumeAsync(folder));

        Assert.EndsWith("run.json: the seed is 1, the resuming simulation has 2.", error.Message);
    }

    [Fact]
    public void Open_says_when_a_folder_holds_no_run()
    {
        Directory.CreateDirectory(_root);

        var error = Assert.Throws<RunStoreException>(() => RunStore.Open(_root));

        Assert.Equal($"{_root}: no run.json; this is not a run folder.", error.Message);
    }

    [Fact]
    public void Metrics_are_written_in_the_invariant_culture()
    {
        var previous = Thread.CurrentThread.CurrentCulture;
        try
        {
            Thread.CurrentThread.CurrentCulture = new System.Globalization.CultureInfo("de-DE");

            string text = MetricsFile.Format([new MetricRecord(1, "site-0", "test", "loss", 0.125)]);

            Assert.Equal("round,site,split,metric,value\n1,site-0,test,loss,0.125\n", text);
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = previous;
        }
    }

    private sealed class CrashIn(int round, ISiteTrainer inner, CancellationTokenSource stop) : ISiteTrainer
    {
        public Task<SiteUpdate> TrainAsync(ParameterSet global, TrainConfig config, SiteState state, CancellationToken ct)
        {
            if (config.Round == round)
            {
                stop.Cancel();
                ct.ThrowIfCancellationRequested();
            }

            return inner.TrainAsync(global, config, state, ct);
        }

        public Task<SiteEvaluation> EvaluateAsync(ParameterSet global, EvaluateConfig config, SiteState state, CancellationToken ct) => inner.EvaluateAsync(global, config, state, ct);

        public SiteSummary Describe() => inner.Describe();
    }

    private sealed class StopAfter(int round, CancellationTokenSource stop) : IProgress<RoundReport>
    {
        public void Report(RoundReport value)
        {
            if (value.Round == round)
            {
                stop.Cancel();
            }
        }
    }
}
