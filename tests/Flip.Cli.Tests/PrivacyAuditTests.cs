using System.Globalization;
using System.Text;
using Flip.Imaging.Dicom;
using Xunit.Abstractions;

namespace Flip.Cli.Tests;

/// <summary>
/// The privacy audit (issue 11): a hospital archive whose DICOM carries recognisable names, ids, birth
/// dates and accession numbers; a full <c>simulate</c> and real <c>serve</c> + two <c>client</c>
/// processes on the same patients, once plain and once with secure aggregation; every byte they print, write or send over gRPC is scanned for
/// every identifier and for raw pixel runs, and none may appear.
/// </summary>
public sealed class PrivacyAuditTests(ITestOutputHelper output) : IDisposable
{
    private const string Scale = "0.02";
    private const string Seed = "7";
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-privacy-audit-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string P(string name) => Path.Combine(_folder, name);

    [Fact]
    public async Task No_identifier_or_pixel_run_of_the_archive_appears_in_any_log_file_report_or_grpc_byte_of_simulate_and_serve_with_two_clients()
    {
        // Given: the synthetic archive as DICOM files, and every identifier and pixel run read back from them.
        CliProcess.Result synth = CliProcess.Run("synth", "--out", P("archive"), "--scale", Scale, "--seed", Seed);
        Assert.True(synth.ExitCode == 0, synth.All);
        var scanner = new LeakScanner();
        var patients = new Dictionary<string, string>(StringComparer.Ordinal); // patient id -> first DICOM file
        string[] dicomFiles = [.. Directory.EnumerateFiles(P("archive"), "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        foreach (string file in dicomFiles)
        {
            DicomDataset d = DicomFile.Open(file).Dataset;
            string id = d.GetString(DicomTag.PatientId);
            if (patients.TryAdd(id, file))
            {
                scanner.AddPatient(d.GetString(DicomTag.PatientName), id, d.GetString(DicomTag.PatientBirthDate), d.GetStringOrDefault(DicomTag.AccessionNumber, ""));
            }

            Assert.True(d.TryGetElement(DicomTag.PixelData, out DicomElement? pixels));
            scanner.AddPixels(pixels.RawValue.Span);
        }

        // Positive control: the same scan over the archive itself finds every patient's name, id, birth date and accession number, and pixels.
        var control = patients.Values.SelectMany(f => scanner.Scan(f, File.ReadAllBytes(f))).ToList();
        foreach (string kind in new[] { "name", "patient id", "birth date", "accession number" })
        {
            Assert.Equal(patients.Count, control.Where(f => f.Kind == kind).Select(f => f.Source).Distinct().Count());
        }

        Assert.Equal(patients.Count, control.Where(f => f.Kind == "pixel data").Select(f => f.Source).Distinct().Count());
        Assert.Contains(scanner.Scan("control", Encoding.UTF8.GetBytes($"x {patients.Keys.First()} y")), f => f.Kind == "patient id");
        Assert.Contains(scanner.Scan("control", Encoding.Unicode.GetBytes($"x {patients.Keys.First()} y")), f => f.Kind == "patient id");
        long controlBytes = scanner.BytesScanned;

        // When (a): a full simulation on the same cohort (same scale and seed as the archive).
        CliProcess.Result simulate = CliProcess.Run("simulate", "--strategy", "fedavg", "--rounds", "1", "--scale", Scale, "--seed", Seed, "--device", "cpu", "--out", P("simulate"));
        Assert.True(simulate.ExitCode == 0, simulate.All);
        Assert.Contains($"{patients.Count} patients at 6 hospitals", simulate.Output);

        // When (b): serve and two hospital clients, every gRPC byte through a recording proxy; once plain, once with secure aggregation
        // (whose extra messages carry keys, encrypted shares and masked vectors).
        var served = new List<ServedRun>();
        foreach (bool secure in new[] { false, true })
        {
            served.Add(await ServeAsync(secure));
        }

        // Then: gather everything and scan it.
        var sources = new List<(string Name, byte[] Bytes)>
        {
            ("simulate stdout", Encoding.UTF8.GetBytes(simulate.Output)),
            ("simulate stderr", Encoding.UTF8.GetBytes(simulate.Error)),
        };
        foreach (ServedRun run in served)
        {
            sources.Add(($"{run.Name} output", Encoding.UTF8.GetBytes(run.ServerOutput)));
            sources.AddRange(run.ClientOutputs.Select((o, i) => ($"{run.Name} client {i + 1} output", Encoding.UTF8.GetBytes(o))));
            sources.AddRange(run.Captures);
        }

        string[] written = [.. Directory.EnumerateFiles(_folder, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(P("archive"), StringComparison.Ordinal))];
        sources.AddRange(written.Select(f => (Path.GetRelativePath(_folder, f), File.ReadAllBytes(f))));

        // The audit must have seen the real thing: training traffic on the wire, the run files, the logs.
        long grpcBytes = served.Sum(r => r.Captures.Sum(c => (long)c.Bytes.Length));
        foreach (ServedRun run in served)
        {
            long bytes = run.Captures.Sum(c => (long)c.Bytes.Length);
            Assert.True(bytes > 100_000, $"{run.Name}: only {bytes} bytes of gRPC traffic captured");
            Assert.Contains(run.Captures, c => Encoding.Latin1.GetString(c.Bytes).Contains("/flwr.proto.Fleet/PushMessages", StringComparison.Ordinal));
        }

        Assert.Contains(served[1].Captures, c => Encoding.Latin1.GetString(c.Bytes).Contains("secaggplus_configs", StringComparison.Ordinal));
        Assert.Contains("Secure aggregation (SecAgg+)", served[1].ServerOutput);
        foreach (string expected in new[] { "simulate/report.html", "simulate/fedavg/metrics.csv", "simulate/simulate.log", "serve/metrics.csv", "serve/final-model.safetensors",
            "serve-secure/metrics.csv", "serve-secure/final-model.safetensors" })
        {
            Assert.Contains(written, f => f.EndsWith(expected, StringComparison.Ordinal));
        }

        var leaks = sources.SelectMany(s => scanner.Scan(s.Name, s.Bytes)).ToList();
        Assert.True(leaks.Count == 0, "patient data found:\n" + string.Join("\n", leaks.Take(20).Select(l => $"{l.Source} at byte {l.Offset}: {l.Kind} {(l.Kind == "pixel data" ? "" : "of one patient")}")));
        output.WriteLine($"audit: {patients.Count} patients, {scanner.IdentifierCount} identifiers in {scanner.PatternCount} byte patterns, {scanner.PixelWindowCount} pixel windows; " +
            $"scanned {scanner.BytesScanned - controlBytes:N0} bytes in {sources.Count} sources ({grpcBytes:N0} gRPC bytes over {served.Sum(r => r.Connections)} connections, {written.Length} files); " +
            $"positive control found {control.Count} hits in {patients.Count} DICOM files");
    }

    private sealed record ServedRun(string Name, string ServerOutput, IReadOnlyList<string> ClientOutputs, IReadOnlyList<(string Name, byte[] Bytes)> Captures, int Connections);

    /// <summary>serve (plain or secure) and two clients of FLIP-6's site-1 and site-2, every gRPC byte between them recorded.</summary>
    private async Task<ServedRun> ServeAsync(bool secure)
    {
        string name = secure ? "serve-secure" : "serve";
        int serverPort = CliProcess.FreePort();
        string[] node = ["--scale", Scale, "--seed", Seed, "--base-channels", "4", "--device", "cpu"];
        string[] serve = ["serve", "--port", serverPort.ToString(CultureInfo.InvariantCulture), "--rounds", "1", "--min-nodes", "2", "--base-channels", "4", "--wait-seconds", "300", "--out", P(name)];
        var clientOutputs = new List<string>();
        await using var proxy = new RecordingProxy(serverPort);
        string serverOutput;
        using (var server = NodeProcess.Start(secure ? [.. serve, "--secure-aggregation"] : serve))
        {
            var clients = new[] { "site-1", "site-2" }.Select(site => NodeProcess.Start(["client", "--server", $"http://127.0.0.1:{proxy.Port}", "--site", site,
                "--key", P($"{name}-{site}.key"), .. node])).ToList();
            try
            {
                Assert.True(await server.WaitAsync(TimeSpan.FromMinutes(10)), $"{name} did not finish within ten minutes");
                serverOutput = server.Output;
                Assert.True(server.ExitCode == 0, serverOutput);
            }
            finally
            {
                foreach (NodeProcess client in clients)
                {
                    client.Dispose();
                    clientOutputs.Add(client.Output);
                }
            }
        }

        return new ServedRun(name, serverOutput, clientOutputs, [.. proxy.Captures.Select(c => ($"{name} {c.Name}", c.Bytes))], proxy.Connections);
    }
}
