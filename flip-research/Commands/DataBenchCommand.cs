using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Flip.Benchmarks;
using Flip.Benchmarks.Datasets;
using Flip.Datasets.Preprocessing;
using Flip.Datasets.Synthetic;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research bench data</c>: patients/s from DICOM on disk to cached samples, cold and warm cache, peak memory; each phase a fresh process.</summary>
internal static class DataBenchCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static Command Create(IAnsiConsole console)
    {
        var scale = new Option<double>("--scale") { Description = "Fraction of full-scale FLIP-6 written as DICOM first (0.02: about 70 patients).", DefaultValueFactory = _ => 0.02 };
        scale.Validators.Add(r => { if (r.GetValueOrDefault<double>() is <= 0 or > 1) r.AddError("--scale must be in (0, 1]."); });
        var seed = new Option<int>("--seed") { Description = "Seed of the cohort.", DefaultValueFactory = _ => 7 };
        var parallelism = new Option<int>("--parallelism") { Description = "Patients preprocessed at once (bounds memory).", DefaultValueFactory = _ => 2 };
        parallelism.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 64) r.AddError("--parallelism must be between 1 and 64."); });
        var data = new Option<string?>("--data") { Description = "Use this folder written by 'flip-research synth' instead of writing a new one." };
        var json = BenchCommand.JsonOption();
        var phase = new Option<string?>("--phase") { Description = "Run one phase in this process (used by bench data itself).", Hidden = true };
        var cache = new Option<string?>("--cache") { Description = "Cache folder of --phase.", Hidden = true };
        var command = new Command("data",
            "Patients per second from DICOM on disk to cached training samples (read series with Flip.Imaging, crop, normalise, slice, " +
            "write the SHA-256-checked cache), with an empty cache (cold) and a full one (warm), each phase in a fresh process " +
            "with its peak working set.\n\nExamples:\n  flip-research bench data\n  flip-research bench data --scale 0.05 --parallelism 2 --json")
        {
            scale, seed, parallelism, data, json, phase, cache,
        };
        command.SetAction(parse =>
        {
            int workers = parse.GetValue(parallelism);
            if (parse.GetValue(phase) is { } name)
            {
                var report = new Progress<PreprocessingProgress>(p => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"progress {p.Done} {p.Total}")));
                DataBenchmarkResult result = DataBenchmark.Run(name, parse.GetValue(data)!, parse.GetValue(cache)!, workers, report);
                Console.Out.WriteLine(JsonSerializer.Serialize(result, Json));
                return ExitCodes.Ok;
            }

            return Run(console, parse.GetValue(data), parse.GetValue(scale), parse.GetValue(seed), workers, parse.GetValue(json));
        });
        return command;
    }

    private static int Run(IAnsiConsole console, string? given, double scale, int seed, int workers, bool json)
    {
        if (given is not null && !File.Exists(Path.Combine(given, "labels.csv")))
        {
            throw new FlipException($"--data '{given}' has no labels.csv; expected a folder written by 'flip-research synth'.", ExitCodes.BadCommandLine);
        }

        string root = Directory.CreateTempSubdirectory("flip-bench-data-").FullName;
        try
        {
            string dataFolder = given ?? Path.Combine(root, "dicom");
            string cacheFolder = Path.Combine(root, "cache");
            var results = new List<DataBenchmarkResult>();
            double writeSeconds = 0;
            int files = 0;
            void Work(Func<string, Action<int, int>> task)
            {
                if (given is null)
                {
                    var cohort = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = scale, Seed = seed });
                    Action<int, int> writing = task("writing DICOM");
                    long started = Stopwatch.GetTimestamp();
                    files = SyntheticCohortWriter.Write(cohort, dataFolder, seed, new Progress<int>(n => writing(n, cohort.PatientCount)), workers);
                    writeSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                    writing(cohort.PatientCount, cohort.PatientCount);
                }

                foreach (string phase in new[] { "cold", "warm" })
                {
                    results.Add(RunChild(phase, dataFolder, cacheFolder, workers, task($"{phase} cache")));
                }
            }

            if (json)
            {
                Work(_ => (_, _) => { });
            }
            else
            {
                console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .Start(context => Work(name =>
                    {
                        ProgressTask bar = context.AddTask(name, maxValue: 1);
                        return (done, total) =>
                        {
                            bar.MaxValue = Math.Max(total, 1);
                            bar.Value = done;
                        };
                    }));
            }

            long cacheBytes = Directory.EnumerateFiles(cacheFolder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            long dicomBytes = Directory.EnumerateFiles(dataFolder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            if (json)
            {
                BenchmarkReport.Create("bench data", null, Records(results, cacheBytes, writeSeconds, given is null ? files : 0, workers)).Write(console.Profile.Out.Writer);
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple)
                .Title(F($"DICOM on disk → cached samples: {results[0].Patients} patients, {dicomBytes / 1e6:F1} MB of DICOM and NIfTI, {workers} at once"))
                .AddColumn("cache").AddColumn(new TableColumn("patients").RightAligned()).AddColumn(new TableColumn("seconds").RightAligned())
                .AddColumn(new TableColumn("patients/s").RightAligned()).AddColumn(new TableColumn("slices").RightAligned())
                .AddColumn(new TableColumn("from cache").RightAligned()).AddColumn(new TableColumn("peak working set").RightAligned());
            foreach (DataBenchmarkResult r in results)
            {
                table.AddRow(r.Phase, F($"{r.Patients}"), F($"{r.Seconds:F2}"), F($"{r.PatientsPerSecond:F1}"), F($"{r.Slices}"), F($"{r.CacheHits}"), F($"{r.PeakWorkingSetMegabytes:F0} MB"));
            }

            table.Caption(F($"cache {cacheBytes / 1e6:F1} MB; warm/cold speed-up {results[1].PatientsPerSecond / Math.Max(results[0].PatientsPerSecond, 1e-9):F1}×") +
                (given is null ? F($"; writing the {files} DICOM files took {writeSeconds:F1} s") : ""));
            console.Write(table);
            return ExitCodes.Ok;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Per phase: patients/s and the peak working set; the cache's size; the time to write the DICOM when this run wrote it.</summary>
    private static IEnumerable<BenchmarkRecord> Records(List<DataBenchmarkResult> results, long cacheBytes, double writeSeconds, int filesWritten, int workers)
    {
        foreach (DataBenchmarkResult r in results)
        {
            // One process per phase, timed as a whole: one value, so no range.
            yield return new BenchmarkRecord($"data {r.Phase} cache", "patients/s", true, r.PatientsPerSecond, null, null, 1, r.Parallelism);
            yield return new BenchmarkRecord($"data {r.Phase} cache peak working set", "MB", false, r.PeakWorkingSetMegabytes, null, null, 1, r.Parallelism);
        }

        yield return new BenchmarkRecord("data cache size", "MB", false, cacheBytes / 1e6, null, null, 1, workers);
        if (filesWritten > 0)
        {
            yield return new BenchmarkRecord("data writing DICOM", "files/s", true, filesWritten / Math.Max(writeSeconds, 1e-9), null, null, 1, workers);
        }
    }

    private static DataBenchmarkResult RunChild(string phase, string data, string cache, int workers, Action<int, int> progress)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(typeof(DataBenchCommand).Assembly.Location);
        }

        foreach (string arg in new[] { "bench", "data", "--phase", phase, "--data", data, "--cache", cache, "--parallelism", workers.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new FlipException($"could not start the {phase} benchmark process.", ExitCodes.Environment);
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            string[] parts = e.Data?.Split(' ') ?? [];
            if (parts is ["progress", var done, var total] && int.TryParse(done, CultureInfo.InvariantCulture, out int d) && int.TryParse(total, CultureInfo.InvariantCulture, out int t))
            {
                progress(d, t);
            }
            else if (e.Data is not null)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new FlipException($"the {phase} data benchmark process exited with {process.ExitCode}: {errors.ToString().Trim()}", ExitCodes.RunFailed);
        }

        return JsonSerializer.Deserialize<DataBenchmarkResult>(output)
            ?? throw new FlipException($"the {phase} data benchmark process printed no result.", ExitCodes.InternalError);
    }

    private static string F(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
