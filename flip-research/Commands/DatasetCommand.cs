using System.CommandLine;
using System.Globalization;
using Flip.Datasets.DicomWeb;
using Flip.Datasets.Manifests;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research dataset validate|show|index</c>: check a dataset manifest, summarise its sites, cache its series index.</summary>
internal static class DatasetCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var command = new Command("dataset",
            "Work with dataset manifests (datasets-manifests/*.json): check one, show what each hospital holds, index the DICOM series.");
        command.Add(Validate(console));
        command.Add(Show(console));
        command.Add(Index(console));
        return command;
    }

    /// <summary>A problem is one line however long, so it can be searched for in a log.</summary>
    private static void KeepLinesWhole(IAnsiConsole console) => console.Profile.Width = Math.Max(console.Profile.Width, 2000);

    private static Argument<string> ManifestArgument() => new("MANIFEST") { Description = "A manifest file, e.g. datasets-manifests/prostatex.json." };

    private static Option<string?> CacheOption() => new("--cache") { Description = "Cache folder for series indexes (default: <manifest folder>/.flip-cache)." };

    private static Command Validate(IAnsiConsole console)
    {
        var manifest = ManifestArgument();
        var noData = new Option<bool>("--no-data") { Description = "Check the file only, not that each site's folder and the patient table exist." };
        var command = new Command("validate",
            "Check a manifest: every problem at once with line, JSON path, what was expected and the fix; with the data absent, where to get it.\n\n" +
            "Example:\n  flip-research dataset validate datasets-manifests/picai-public.json")
        {
            manifest, noData,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(manifest)!;
            IReadOnlyList<ManifestProblem> problems = Manifest.Validate(path, checkData: !parse.GetValue(noData));
            KeepLinesWhole(console);
            foreach (ManifestProblem problem in problems)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {problem.ToString()}");
            }

            if (problems.Count > 0)
            {
                console.MarkupLineInterpolated($"{problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")} in {path}.");
                return ExitCodes.BadInput;
            }

            Manifest loaded = Manifest.Load(path);
            console.MarkupLineInterpolated($"[green]valid[/]: {path}: {loaded.Cohort.Name}, {loaded.Sites.Count} site(s), channels {string.Join(", ", loaded.Channels.Select(c => c.Required ? c.Name : c.Name + " (optional)"))}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(IAnsiConsole console)
    {
        var manifest = ManifestArgument();
        var cache = CacheOption();
        var command = new Command("show",
            "Per hospital: patients, csPCa prevalence, channels present, scanner vendor and field strength (reads headers, not pixels).\n\n" +
            "Example:\n  flip-research dataset show data/flip6/manifest.json") { manifest, cache };
        command.SetAction((parse, ct) =>
        {
            Manifest loaded = Manifest.Load(parse.GetValue(manifest)!);
            var summaries = ManifestCohort.Summarize(loaded, new ManifestCohortOptions { CacheFolder = parse.GetValue(cache), Resolvers = [new DicomWebSiteResolver()] }, ct);
            var table = new Table().Border(TableBorder.Simple).Title($"{loaded.Cohort.Name}: {summaries.Sum(s => s.Patients)} patients at {summaries.Count} sites")
                .AddColumns("site", "hospital", "country", "vendor", "field (T)")
                .AddColumn(new TableColumn("patients").RightAligned())
                .AddColumn(new TableColumn("csPCa").RightAligned())
                .AddColumn("channels present (patients)");
            foreach (ManifestSiteSummary s in summaries)
            {
                string field = s.Site.FieldStrengthTesla > 0 ? s.Site.FieldStrengthTesla.ToString("0.0#", CultureInfo.InvariantCulture) : "–";
                string channels = s.Absent is not null ? "data absent"
                    : string.Join(", ", loaded.Channels.Select(c => $"{c.Name} {s.ChannelPatients.GetValueOrDefault(c.Name)}"));
                string prevalence = double.IsNaN(s.CsPcaPrevalence) ? "–" : s.CsPcaPrevalence.ToString("P0", CultureInfo.InvariantCulture);
                table.AddRow(Markup.Escape(s.Site.Id), Markup.Escape(s.Site.DisplayName), Markup.Escape(s.Site.Country), Markup.Escape(s.Site.Vendor), field,
                    s.Patients.ToString(CultureInfo.InvariantCulture), prevalence, Markup.Escape(channels));
            }

            console.Write(table);
            KeepLinesWhole(console);
            foreach (ManifestSiteSummary s in summaries.Where(s => s.Absent is not null))
            {
                console.MarkupLineInterpolated($"[yellow]{s.Site.Id}:[/] {s.Absent}");
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command Index(IAnsiConsole console)
    {
        var manifest = ManifestArgument();
        var cache = CacheOption();
        var command = new Command("index",
            "Scan every site's folder and cache its DICOM series index (JSON per site); a later load reuses it while files' size and time are unchanged.\n\n" +
            "Example:\n  flip-research dataset index datasets-manifests/prostatex.json --cache /scratch/flip-cache") { manifest, cache };
        command.SetAction((parse, ct) =>
        {
            Manifest loaded = Manifest.Load(parse.GetValue(manifest)!);
            var options = new ManifestCohortOptions { CacheFolder = parse.GetValue(cache), Resolvers = [new DicomWebSiteResolver()] };
            var results = ManifestCohort.Index(loaded, options, ct);
            var table = new Table().Border(TableBorder.Simple).Title($"{loaded.Cohort.Name}: series index in {options.CacheFolderFor(loaded)}")
                .AddColumn("site").AddColumn(new TableColumn("files").RightAligned()).AddColumn(new TableColumn("series").RightAligned())
                .AddColumn(new TableColumn("patients").RightAligned()).AddColumn("cache");
            foreach (var (site, index, reused, skipped) in results)
            {
                table.AddRow(Markup.Escape(site.Id),
                    index?.FileCount.ToString(CultureInfo.InvariantCulture) ?? "–",
                    index?.Series.Count.ToString(CultureInfo.InvariantCulture) ?? "–",
                    index?.Series.Select(s => s.PatientId).Distinct().Count().ToString(CultureInfo.InvariantCulture) ?? "–",
                    index is null ? "skipped" : reused ? "reused (unchanged)" : "written");
            }

            console.Write(table);
            KeepLinesWhole(console);
            foreach (var (site, _, _, skipped) in results.Where(r => r.Skipped is not null))
            {
                console.MarkupLineInterpolated($"[yellow]{site.Id}:[/] {skipped}");
            }

            bool dicom = loaded.Channels.Any(c => !c.IsFile);
            return Task.FromResult(dicom && results.Any(r => r.Skipped is not null) ? ExitCodes.BadInput : ExitCodes.Ok);
        });
        return command;
    }
}
