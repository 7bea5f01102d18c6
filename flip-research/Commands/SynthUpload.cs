using Flip.Datasets.DicomWeb;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>synth --upload</c>: sends the written cohort's DICOM files to a PACS by STOW-RS.</summary>
internal static class SynthUpload
{
    public static async Task RunAsync(IAnsiConsole console, DicomWebOptions options, string folder, CancellationToken ct)
    {
        string[] files = [.. Directory.EnumerateFiles(folder, "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        using var client = new DicomWebClient(options);
        DicomWebStoreResult result = null!;
        await console.Progress().StartAsync(async context =>
        {
            ProgressTask task = context.AddTask("STOW-RS upload", maxValue: files.Length);
            result = await client.StoreAsync(files, new Progress<int>(n => task.Value = n), ct).ConfigureAwait(false);
            task.Value = files.Length;
        }).ConfigureAwait(false);
        console.MarkupLineInterpolated($"Uploaded {result.Stored} instances ({result.Bytes / 1e6:0.0} MB) in {result.Requests} STOW-RS request(s) to {options.BaseUri.GetLeftPart(UriPartial.Path)}.");
    }
}
