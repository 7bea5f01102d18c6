using System.CommandLine;
using Flip.Datasets;
using Flip.Datasets.Synthetic;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research synth</c>: write the synthetic FLIP-6 cohort as DICOM.</summary>
internal static class SynthCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var output = new Option<string>("--out", "-o") { Description = "The folder to write (must be empty or new).", Required = true };
        var scale = new Option<double>("--scale") { Description = "Fraction of the full-scale cohort (about 3,500 patients).", DefaultValueFactory = _ => 0.08 };
        var seed = new Option<int>("--seed") { Description = "Seed of the cohort; the same seed writes the same files.", DefaultValueFactory = _ => 7 };
        var matrix = new Option<int>("--matrix") { Description = "In-plane matrix size in voxels.", DefaultValueFactory = _ => 64 };
        var upload = new Option<string>("--upload") { Description = "Then upload the DICOM files by STOW-RS to this DICOMweb root, e.g. http://127.0.0.1:8042/dicom-web." };
        var pacs = new PacsOptions();
        var command = new Command("synth",
            "Write the synthetic FLIP-6 cohort as a hospital archive would hold it: MR DICOM series (T2W, ADC, high-b DWI) per patient " +
            "with fake but plausible names, ids and birth dates, lesion and gland masks as NIfTI, and labels.csv.\n\n" +
            "Examples:\n  flip-research synth --out data/flip6 --scale 0.02\n" +
            "  flip-research synth --out data/flip6 --upload http://127.0.0.1:8042/dicom-web --user-env FLIP_PACS_USER --password-env FLIP_PACS_PASSWORD")
        {
            output, scale, seed, matrix, upload,
        };
        pacs.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var stow = parse.GetValue(upload) is { } url ? pacs.Read(parse, url) : null;
            string folder = parse.GetValue(output)!;
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            {
                throw new FlipException($"output folder '{folder}' is not empty.", ExitCodes.BadCommandLine, "choose a new --out folder.");
            }

            Cohort cohort = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = parse.GetValue(scale), Seed = parse.GetValue(seed), MatrixSize = parse.GetValue(matrix) });
            int files = 0;
            console.Progress().Start(context =>
            {
                ProgressTask task = context.AddTask("writing DICOM", maxValue: cohort.PatientCount);
                files = SyntheticCohortWriter.Write(cohort, folder, parse.GetValue(seed), new Progress<int>(n => task.Value = n));
                task.Value = cohort.PatientCount;
            });
            SyntheticManifest.Write(cohort, folder, parse.GetValue(seed));
            console.MarkupLineInterpolated($"Wrote {cohort.PatientCount} patients at {cohort.Sites.Count} hospitals: {files} DICOM files, lesion and gland masks, labels.csv and manifest.json in [bold]{folder}[/].");
            if (stow is not null) await SynthUpload.RunAsync(console, stow, folder, ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
