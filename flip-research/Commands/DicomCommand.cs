using System.CommandLine;
using System.Globalization;
using System.Text;
using Flip.Imaging.Deidentification;
using Flip.Imaging.Dicom;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research dicom dump|index|deidentify</c>: inspect and prepare DICOM files.</summary>
internal static class DicomCommand
{
    private static readonly HashSet<string> TextVrs = ["AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"];
    private static readonly HashSet<string> NumberVrs = ["US", "UL", "SS", "SL", "FL", "FD", "SV", "UV"];

    public static Command Create(IAnsiConsole console)
    {
        var command = new Command("dicom", "Inspect DICOM files: dump one, index a folder's studies and series, de-identify.");
        command.Add(Dump(console));
        command.Add(Index(console));
        command.Add(Deidentify(console));
        return command;
    }

    private static Command Dump(IAnsiConsole console)
    {
        var file = new Argument<string>("FILE") { Description = "A DICOM Part 10 file (or a bare dataset)." };
        var json = new Option<bool>("--json") { Description = "Print JSON: transfer syntax, elements (tag, vr, vm, value, items) and pixel summary with a SHA-256 of the decoded values." };
        var command = new Command("dump", "Print every element of a DICOM file with its tag, keyword, VR and value.\n\nExamples:\n  flip-research dicom dump scan.dcm\n  flip-research dicom dump scan.dcm --json") { file, json };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new FlipException($"'{path}' does not exist.", ExitCodes.BadInput);
            }

            DicomFile dicom = DicomFile.Open(path);
            if (parse.GetValue(json))
            {
                using Stream output = Console.OpenStandardOutput();
                DicomJsonDump.Write(dicom, output);
                output.WriteByte((byte)'\n');
                return ExitCodes.Ok;
            }

            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"# {Path.GetFileName(path)}: transfer syntax {dicom.TransferSyntax}");
            Append(text, dicom.FileMetaInformation, 0);
            Append(text, dicom.Dataset, 0);
            console.Profile.Width = Math.Max(console.Profile.Width, 200);
            console.Write(new Text(text.ToString()));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Append(StringBuilder text, DicomDataset dataset, int depth)
    {
        string indent = new(' ', depth * 2);
        foreach (DicomElement element in dataset)
        {
            string vr = element.VR.ToString();
            string value = element.IsSequence ? $"({element.Items.Count} items)"
                : TextVrs.Contains(vr) && dataset.TryGetString(element.Tag, out string? s) ? Shorten(s)
                : NumberVrs.Contains(vr) ? Shorten(string.Join('\\', Safe(() => dataset.GetDoubles(element.Tag)).Select(d => d.ToString("G", CultureInfo.InvariantCulture))))
                : element.Fragments is { } fragments ? $"<encapsulated, {fragments.Fragments.Count} fragments>"
                : $"<{element.Length} bytes>";
            text.AppendLine(CultureInfo.InvariantCulture, $"{indent}{element.Tag} {element.Tag.Keyword,-36} {vr} {value}");
            if (element.IsSequence)
            {
                for (int i = 0; i < element.Items.Count; i++)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"{indent}  > item {i + 1}");
                    Append(text, element.Items[i], depth + 2);
                }
            }
        }
    }

    private static double[] Safe(Func<double[]> read)
    {
        try
        {
            return read();
        }
        catch (FlipException)
        {
            return [];
        }
    }

    private static string Shorten(string value) => value.Length > 120 ? value[..117] + "..." : value;

    private static Command Index(IAnsiConsole console)
    {
        var folder = new Argument<string>("DIR") { Description = "A folder searched recursively for DICOM files." };
        var threads = new Option<int>("--threads") { Description = "Files read in parallel (0 = one per core).", DefaultValueFactory = _ => 0 };
        var command = new Command("index", "List the studies and series under a folder: patient, modality, description, slices, spacing, transfer syntax. " +
            "Reads headers only.\n\nExample:\n  flip-research dicom index /data/site-1") { folder, threads };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(folder)!;
            if (!Directory.Exists(path))
            {
                throw new FlipException($"folder '{path}' does not exist.", ExitCodes.BadInput);
            }

            DicomIndexResult result = DicomIndex.Scan(path, parse.GetValue(threads));
            var table = new Table().Border(TableBorder.Simple)
                .AddColumns("patient", "study", "series", "modality", "description", "slices", "spacing mm", "transfer syntax");
            foreach (DicomSeriesSummary series in result.Series)
            {
                string spacing = series.SpacingMm is { } v
                    ? string.Create(CultureInfo.InvariantCulture, $"{v.X:0.###}×{v.Y:0.###}×{v.Z:0.###}") : "–";
                table.AddRow(Markup.Escape(series.PatientId), Markup.Escape(Tail(series.StudyInstanceUid)), Markup.Escape(Tail(series.SeriesInstanceUid)),
                    Markup.Escape(series.Modality), Markup.Escape(series.Description), series.SliceCount.ToString(CultureInfo.InvariantCulture),
                    spacing, Markup.Escape(series.TransferSyntaxUid));
            }

            console.Write(table);
            // Archives hold other files too (masks, DICOMDIR, reports): those are skipped, not errors.
            var broken = result.Failures.Where(f => !f.Message.Contains("not a DICOM file", StringComparison.Ordinal)).ToList();
            int skipped = result.Failures.Count - broken.Count;
            console.MarkupLineInterpolated($"{result.Series.Count} series in {result.Series.Sum(s => s.Files.Count)} files; {skipped} other files skipped; {broken.Count} unreadable.");
            foreach (DicomIndexFailure failure in broken.Take(20))
            {
                console.MarkupLineInterpolated($"[yellow]unreadable:[/] {failure.Message}");
            }

            return broken.Count == 0 ? ExitCodes.Ok : ExitCodes.BadInput;
        });
        return command;
    }

    private static string Tail(string uid) => uid.Length > 18 ? "…" + uid[^17..] : uid;

    private static Command Deidentify(IAnsiConsole console)
    {
        var input = new Argument<string>("IN") { Description = "A DICOM file or a folder of them." };
        var output = new Argument<string>("OUT") { Description = "Where the de-identified copies go (a file, or a folder mirroring IN)." };
        var keyVariable = new Option<string>("--key-env")
        {
            Description = "Name of the environment variable holding the secret key for UID remapping and pseudonyms (never put the key on the command line).",
            DefaultValueFactory = _ => "FLIP_DEID_KEY",
        };
        var shift = new Option<int>("--date-shift-days") { Description = "Shift every date by this many days (0 = remove dates as the basic profile says)." };
        var keepPrivate = new Option<bool>("--keep-private") { Description = "Keep private attributes (odd groups); only for private data known to carry no identity." };
        var retain = new Option<string[]>("--retain")
        {
            Description = "PS3.15 options that keep attributes: patient-characteristics, full-dates, device-identity, institution-identity, uids.",
            AllowMultipleArgumentsPerToken = true,
        };
        retain.AcceptOnlyFromAmong("patient-characteristics", "full-dates", "device-identity", "institution-identity", "uids");
        var command = new Command("deidentify", "De-identify DICOM files with the PS3.15 Annex E basic profile: identifying attributes removed or replaced, " +
            "UIDs remapped consistently with a keyed hash.\n\nExample:\n  FLIP_DEID_KEY=... flip-research dicom deidentify /data/raw /data/deid")
        {
            input, output, keyVariable, shift, keepPrivate, retain,
        };
        command.SetAction(parse =>
        {
            string variable = parse.GetValue(keyVariable)!;
            string? key = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(key) || key.Length < 16)
            {
                throw new FlipException($"environment variable {variable} must hold a secret key of at least 16 characters.", ExitCodes.BadCommandLine,
                    $"export {variable}=<a long random secret kept at the site>.");
            }

            int days = parse.GetValue(shift);
            string[] retained = parse.GetValue(retain) ?? [];
            if (days != 0 && retained.Contains("full-dates"))
            {
                throw new FlipException("--date-shift-days and --retain full-dates exclude each other (dates are either shifted or kept).", ExitCodes.BadCommandLine,
                    "drop one of them.");
            }

            var deidentifier = new DicomDeidentifier(new DeidentificationOptions
            {
                Key = Encoding.UTF8.GetBytes(key),
                DateShift = days == 0 ? null : TimeSpan.FromDays(days),
                KeepPrivateAttributes = parse.GetValue(keepPrivate),
                RetainPatientCharacteristics = retained.Contains("patient-characteristics"),
                RetainLongitudinalTemporalInformation = retained.Contains("full-dates"),
                RetainDeviceIdentity = retained.Contains("device-identity"),
                RetainInstitutionIdentity = retained.Contains("institution-identity"),
                RetainUids = retained.Contains("uids"),
            });
            string from = parse.GetValue(input)!, to = parse.GetValue(output)!;
            var files = File.Exists(from) ? [(from, to)]
                : Directory.Exists(from) ? Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories).Select(f => (f, Path.Combine(to, Path.GetRelativePath(from, f)))).ToList()
                : throw new FlipException($"'{from}' does not exist.", ExitCodes.BadInput);
            int done = 0;
            foreach (var (source, target) in files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
                deidentifier.DeidentifyFile(source, target);
                done++;
            }

            console.MarkupLineInterpolated($"De-identified {done} file(s) into {to}.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
