using System.CommandLine;
using System.Globalization;
using Flip.Flower.Fuzzing;
using Flip.Imaging.Fuzzing;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research fuzz dicom</c>: weighted, seeded mutations of valid DICOM files through the whole read path;
/// <c>flip-research fuzz fleet</c>: mutated Fleet API replies through the server's decode path and over loopback gRPC.</summary>
internal static class FuzzCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var command = new Command("fuzz", "Fuzz the readers with mutated valid files; report anything but the typed format error.");
        command.Add(Dicom(console));
        command.Add(Fleet(console));
        return command;
    }

    private static Command Fleet(IAnsiConsole console)
    {
        var cases = new Option<long>("--cases") { Description = "Mutated replies run through the server's decode path.", DefaultValueFactory = _ => 10_000 };
        var wireCases = new Option<long>("--wire-cases") { Description = "Mutated replies sent to a real Fleet server on 127.0.0.1 over gRPC.", DefaultValueFactory = _ => 200 };
        foreach (var (option, example) in new[] { (cases, "--cases 100000"), (wireCases, "--wire-cases 500") })
        {
            option.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<long>() < (option == cases ? 1 : 0))
                {
                    r.AddError($"{option.Name} must be at least {(option == cases ? 1 : 0)} (got {r.GetValueOrDefault<long>()}); for example {example}.");
                }
            });
        }

        var seed = new Option<ulong>("--seed") { Description = "The run's seed: the same seed and case counts give the same mutants.", DefaultValueFactory = _ => 1 };
        var command = new Command("fleet",
            "Mutate valid Fleet API replies (object ids, heads, object trees, chunk lists, array dtype/shape, NPY headers, record name maps, " +
            "ConfigRecord/MetricRecord contents, message metadata) and run each through the server's decode path, then send a sample to a " +
            "real Fleet server over loopback gRPC. Only the typed protocol error may escape, the server may answer only with a refusal's status " +
            "and must keep answering, and no case may allocate beyond its reply's budget.\n\nExamples:\n" +
            "  flip-research fuzz fleet --cases 100000\n  flip-research fuzz fleet --cases 5000 --wire-cases 50 --seed 7")
        {
            cases, wireCases, seed,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new FleetFuzzOptions { Cases = parse.GetValue(cases), WireCases = parse.GetValue(wireCases), Seed = parse.GetValue(seed) };
            long lastPrinted = 0;
            FleetFuzzReport report = await FleetFuzzer.RunAsync(options, (done, findings) =>
            {
                if (done - lastPrinted >= 10_000)
                {
                    lastPrinted = done;
                    console.MarkupLineInterpolated($"  {done:N0} cases, {findings} findings");
                }
            }, ct).ConfigureAwait(false);
            var c = CultureInfo.InvariantCulture;
            var table = new Table().Border(TableBorder.Simple).Title("Fleet API fuzzing").AddColumns("measure", "value");
            table.AddRow("decode-path cases", report.Cases.ToString("N0", c));
            table.AddRow("rebuilt (mutation left the reply valid)", report.Accepted.ToString("N0", c));
            table.AddRow("refused with the typed error", report.Refused.ToString("N0", c));
            table.AddRow("wire cases (loopback gRPC)", report.WireCases.ToString("N0", c));
            table.AddRow("wire call statuses", Markup.Escape(string.Join(", ", report.WireStatuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} {s.Value.ToString("N0", c)}"))));
            table.AddRow("cases breaking a rule", report.FindingCases.ToString("N0", c));
            table.AddRow("distinct findings", report.Findings.Count.ToString(c));
            table.AddRow("peak bytes allocated by one case", report.PeakCaseAllocatedBytes.ToString("N0", c));
            table.AddRow("peak managed heap above the start", report.PeakManagedBytes.ToString("N0", c));
            table.AddRow("peak working set of this process", Environment.WorkingSet.ToString("N0", c) + " now, " + System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64.ToString("N0", c) + " peak");
            table.AddRow("seconds", report.Elapsed.TotalSeconds.ToString("F1", c));
            console.Write(table);
            foreach (var f in report.Findings)
            {
                console.MarkupLineInterpolated($"[red]{f.Kind}[/] {f.Signature} ({f.Path} case {f.Case}: {string.Join("; ", f.Mutations)})");
            }

            return report.Findings.Count == 0 ? ExitCodes.Ok : ExitCodes.RunFailed;
        });
        return command;
    }

    private static Command Dicom(IAnsiConsole console)
    {
        var cases = new Option<long>("--cases") { Description = "Mutants to read.", DefaultValueFactory = _ => 100_000 };
        cases.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long>() < 1)
            {
                r.AddError($"--cases must be at least 1 (got {r.GetValueOrDefault<long>()}); for example --cases 100000.");
            }
        });
        var seed = new Option<ulong>("--seed") { Description = "The run's seed: case N of a seed is always the same mutant, whatever the case count.", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out") { Description = "Folder where inputs that broke a rule are saved (each with a .txt naming the case, run seed, seed file, mutations and exception)." };
        var noDcmtk = new Option<bool>("--no-dcmtk") { Description = "Only seeds written by Flip.Imaging (skip dcmtk's conversions to big endian, deflate, RLE, JPEG lossless, JPEG-LS)." };
        var timeout = new Option<double>("--case-timeout") { Description = "Seconds one case may run before it counts as a hang and the run stops.", DefaultValueFactory = _ => 10 };
        timeout.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is not (> 0 and <= 3600))
            {
                r.AddError("--case-timeout must be between 0 and 3600 seconds; for example --case-timeout 10.");
            }
        });
        var command = new Command("dicom",
            "Mutate valid DICOM files (bytes flipped, cut, lengths, VRs, delimiters, tag order, transfer syntax, fragments, RLE/JPEG streams) " +
            "and read each through parse, every value, pixel decode and volume assembly. Only the typed format errors are allowed; any other " +
            "exception, an allocation out of proportion to the file, or a hang is a finding.\n\nExamples:\n" +
            "  flip-research fuzz dicom --cases 100000 --out fuzz-findings\n  flip-research fuzz dicom --cases 5000 --seed 7")
        {
            cases, seed, output, noDcmtk, timeout,
        };
        command.SetAction(parse =>
        {
            string work = Path.Combine(Path.GetTempPath(), "flip-fuzz-seeds-" + Guid.NewGuid().ToString("N"));
            try
            {
                var seeds = DicomFuzzSeeds.Create(work, !parse.GetValue(noDcmtk), out var skipped);
                foreach (string s in skipped)
                {
                    console.MarkupLineInterpolated($"[yellow]seed skipped:[/] {s}");
                }

                console.MarkupLineInterpolated($"{seeds.Count} seeds: {string.Join(", ", seeds.Select(s => s.Name))}");
                var options = new DicomFuzzOptions
                {
                    Cases = parse.GetValue(cases),
                    Seed = parse.GetValue(seed),
                    OutputFolder = parse.GetValue(output),
                    CaseTimeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                };
                long lastPrinted = 0;
                var report = DicomFuzzer.Run(seeds, options, (done, findings) =>
                {
                    if (done - lastPrinted >= 10_000 || done == options.Cases)
                    {
                        lastPrinted = done;
                        console.MarkupLineInterpolated($"  {done:N0} cases, {findings} findings");
                    }
                });
                Render(console, report, options.Seed);
                return report.Findings.Count == 0 ? ExitCodes.Ok : ExitCodes.RunFailed;
            }
            finally
            {
                try
                {
                    Directory.Delete(work, recursive: true);
                }
                catch (IOException)
                {
                    // A leftover temp folder is harmless.
                }
            }
        });
        return command;
    }

    private static void Render(IAnsiConsole console, DicomFuzzReport report, ulong runSeed)
    {
        var c = CultureInfo.InvariantCulture;
        var table = new Table().Border(TableBorder.Simple).Title("DICOM fuzzing").AddColumns("measure", "value");
        table.AddRow("cases", report.Cases.ToString("N0", c));
        table.AddRow("read completely", report.Accepted.ToString("N0", c));
        table.AddRow("refused with the typed error", report.Rejected.ToString("N0", c));
        table.AddRow("cases breaking a rule", report.FindingCases.ToString("N0", c));
        table.AddRow("distinct findings", report.Findings.Count.ToString(c));
        table.AddRow("cases/s", (report.Cases / Math.Max(report.Elapsed.TotalSeconds, 1e-9)).ToString("F0", c));
        table.AddRow("peak bytes allocated by one case", report.PeakAllocatedBytes.ToString("N0", c));
        console.Write(table);
        foreach (var f in report.Findings)
        {
            console.MarkupLineInterpolated($"[red]{f.Kind}[/] {f.Signature} (case {f.Case} of --seed {runSeed}, seed file {f.SeedName}){(f.SavedAs is null ? "" : $" saved as {f.SavedAs}")}");
        }
    }
}
