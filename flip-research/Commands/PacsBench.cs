using System.CommandLine;
using System.Globalization;
using Flip.Benchmarks;
using Flip.Benchmarks.Datasets;
using Flip.Datasets.DicomWeb;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research bench pacs</c>: instances/s and MB/s fetched from a DICOMweb service, cold vs warm cache.</summary>
internal static class PacsBench
{
    public static Command Create(IAnsiConsole console)
    {
        var url = new Option<string>("--url") { Description = "The DICOMweb root, e.g. http://127.0.0.1:8042/dicom-web.", Required = true };
        var patient = new Option<string>("--patient-id") { Description = "Only studies of this Patient ID (wildcards allowed)." };
        var pacs = new PacsOptions();
        var json = BenchCommand.JsonOption();
        var command = new Command("pacs",
            "Fetch every study of a DICOMweb service (QIDO-RS + WADO-RS) into a temporary SOP-keyed cache three ways — cold with " +
            "whole series streamed, warm (all cached: QIDO-RS only), cold one instance per request — and print instances/s and MB/s.\n\n" +
            "Example:\n  FLIP_PACS_USER=flip FLIP_PACS_PASSWORD=… flip-research bench pacs --url http://127.0.0.1:8042/dicom-web --user-env FLIP_PACS_USER --password-env FLIP_PACS_PASSWORD")
        {
            url, patient, json,
        };
        pacs.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            using var client = new DicomWebClient(pacs.Read(parse, parse.GetValue(url)!));
            string work = Directory.CreateTempSubdirectory("flip-bench-pacs-").FullName;
            try
            {
                var rows = await DicomWebBenchmark.RunAsync(client, new DicomWebQuery { PatientId = parse.GetValue(patient) }, work, ct).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    BenchmarkReport.Create("bench pacs", null, Records(rows)).Write(Console.Out);
                    return ExitCodes.Ok;
                }

                var table = new Table().AddColumns("pass", "instances", "fetched", "MB", "seconds", "instances/s", "MB/s");
                foreach (DicomWebBenchmarkRow row in rows)
                {
                    table.AddRow(row.Pass, (row.Result.Fetched + row.Result.Skipped).ToString(CultureInfo.InvariantCulture), row.Result.Fetched.ToString(CultureInfo.InvariantCulture),
                        (row.Result.Bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture), row.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture),
                        row.InstancesPerSecond.ToString("0", CultureInfo.InvariantCulture), row.MegabytesPerSecond.ToString("0.0", CultureInfo.InvariantCulture));
                }

                console.Write(table);
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Per pass (each timed once as a whole): instances/s and MB/s; threads are not pinned.</summary>
    private static IEnumerable<BenchmarkRecord> Records(IEnumerable<DicomWebBenchmarkRow> rows)
    {
        foreach (DicomWebBenchmarkRow row in rows)
        {
            yield return new BenchmarkRecord($"pacs {row.Pass}", "instances/s", true, row.InstancesPerSecond, null, null, 1, 0);
            yield return new BenchmarkRecord($"pacs {row.Pass} bytes", "MB/s", true, row.MegabytesPerSecond, null, null, 1, 0);
        }
    }
}
