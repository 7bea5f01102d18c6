using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Flip.Datasets;
using Flip.Datasets.Synthetic;
using Flip.Datasets.Tests.DicomWeb;

namespace Flip.Cli.Tests;

/// <summary>The hospital node reading its site from a PACS: synth --upload fills a real Orthanc by STOW-RS, then serve + two client processes (one on Orthanc, one on a folder) train three rounds.</summary>
public sealed class PacsClientTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-pacs-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Serve_and_two_nodes_one_reading_Orthanc_one_a_folder_finish_three_rounds()
    {
        using var orthanc = new OrthancServer();
        var (user, password) = OrthancServer.CredentialVariables();
        var environment = new Dictionary<string, string> { [user] = OrthancServer.User, [password] = OrthancServer.Password };
        string data = Path.Combine(_folder, "flip6");

        // Given: the synthetic cohort written and uploaded to the PACS by STOW-RS.
        var synth = CliProcess.RunWith(environment, "synth", "--out", data, "--scale", "0.001", "--matrix", "32", "--seed", "7",
            "--upload", orthanc.DicomWebRoot.ToString(), "--user-env", user, "--password-env", password);
        Assert.True(synth.ExitCode == 0, synth.All);
        int files = Directory.EnumerateFiles(data, "*.dcm", SearchOption.AllDirectories).Count();
        Assert.Contains($"Uploaded {files} instances", synth.Output, StringComparison.Ordinal);

        // site-2 reads its folder through the synthetic manifest; site-1 reads the PACS through a manifest naming the credential variables.
        Cohort cohort = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.001, Seed = 7, MatrixSize = 32 });
        string folderManifest = Path.Combine(data, SyntheticManifest.FileName); // synth writes it
        string site1Prefix = CommonPrefix(cohort.Site("site-1").Patients.Select(p => p.Identity.PatientId).ToList());
        Assert.All(cohort.Sites.Where(s => s.Id != "site-1").SelectMany(s => s.Patients), p => Assert.False(p.Identity.PatientId.StartsWith(site1Prefix, StringComparison.Ordinal)));
        string pacsManifest = UploadedCohort.WritePacsManifest(Path.Combine(_folder, "umcg-pacs.json"), Path.Combine(data, "labels.csv"), "site-1",
            orthanc.DicomWebRoot, user, password, site1Prefix + "*", masksFolder: Path.Combine(data, "site-1"));

        // dataset index queries the PACS for the DICOMweb site and fetches its series into the cache.
        int site1Files = cohort.Site("site-1").Patients.Count * 3 * new SyntheticCohortOptions().Slices;
        var index = CliProcess.RunWith(environment, "dataset", "index", pacsManifest, "--cache", Path.Combine(_folder, "cache-site-1"));
        Assert.True(index.ExitCode == 0, index.All);
        Assert.Matches($@"site-1\s+{site1Files}\s+{3 * cohort.Site("site-1").Patients.Count}\s+{cohort.Site("site-1").Patients.Count}\s+written", index.Output);

        int port = CliProcess.FreePort();
        string run = Path.Combine(_folder, "run");
        using var server = NodeProcess.StartWith(environment, "serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--rounds", "3",
            "--min-nodes", "2", "--base-channels", "4", "--wait-seconds", "300", "--out", run);
        var clients = new List<NodeProcess>();
        try
        {
            foreach (var (site, manifest) in new[] { ("site-1", pacsManifest), ("site-2", folderManifest) })
            {
                clients.Add(NodeProcess.StartWith(environment, "client", "--server", $"http://127.0.0.1:{port}", "--manifest", manifest, "--site", site,
                    "--cache", Path.Combine(_folder, "cache-" + site), "--base-channels", "4", "--key", Path.Combine(_folder, site + ".pem"), "--device", "cpu"));
            }

            // A node that stops first is reported at once with what it printed, not after a ten-minute wait.
            var backstop = Stopwatch.StartNew();
            while (!server.HasExited && backstop.Elapsed < TimeSpan.FromMinutes(10))
            {
                NodeProcess? failed = clients.FirstOrDefault(c => c.HasExited && c.ExitCode != 0);
                Assert.True(failed is null, $"a node exited with {failed?.ExitCode} before serve finished:\n{failed?.Output}\nserve printed:\n{server.Output}");
                Thread.Sleep(500);
            }

            Assert.True(await server.WaitAsync(TimeSpan.FromSeconds(1)),
                $"serve did not finish within ten minutes; it printed:\n{server.Output}\nthe nodes printed:\n{string.Join("\n", clients.Select(c => c.Output))}");
            string log = server.Output;
            Assert.True(server.ExitCode == 0, log);
            for (int round = 1; round <= 3; round++)
            {
                Assert.Contains($"round {round}/3: 2 node(s) aggregated, 0 failed", log, StringComparison.Ordinal);
            }

            Assert.True(File.Exists(Path.Combine(run, "final-model.safetensors")));
        }
        finally
        {
            foreach (NodeProcess client in clients) client.Dispose();
        }

        // The PACS node found every instance in the SOP-keyed cache that dataset index filled, and said what it shares before joining.
        string pacsNode = clients[0].Output;
        Assert.Contains($"site-1: fetched 0 instance(s) (0.0 MB) from the PACS, {site1Files} already in the cache.", pacsNode, StringComparison.Ordinal);
        Assert.Contains("site-1 will share, each round: the model's parameters", pacsNode, StringComparison.Ordinal);
        Assert.Contains("no per-patient metrics or predictions", pacsNode, StringComparison.Ordinal);
        Assert.Equal(site1Files, Directory.EnumerateFiles(Path.Combine(_folder, "cache-site-1", "dicomweb", "site-1"), "*.dcm", SearchOption.AllDirectories).Count());
    }

    [Fact]
    public void A_node_asked_to_share_predictions_refuses_to_start()
    {
        var result = CliProcess.Run("client", "--server", "http://127.0.0.1:9", "--site", "site-1", "--share", "parameters", "counts", "metrics", "predictions");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--share predictions: this node would send per-patient predictions off the site; a hospital node shares only model parameters, sample counts and aggregate metrics.", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_PACS_password_is_one_sentence_naming_the_endpoint_and_401()
    {
        using var orthanc = new OrthancServer();
        var (user, password) = OrthancServer.CredentialVariables();
        var result = CliProcess.RunWith(new Dictionary<string, string> { [user] = OrthancServer.User, [password] = "not-the-password" },
            "bench", "pacs", "--url", orthanc.DicomWebRoot.ToString(), "--user-env", user, "--password-env", password);
        Assert.Equal(5, result.ExitCode);
        Assert.Contains($"DICOMweb QIDO-RS GET {orthanc.DicomWebRoot}/studies returned 401 Unauthorized; check the credentials in ${user} and ${password}.", result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
    }

    private static string CommonPrefix(IReadOnlyList<string> ids)
    {
        string prefix = ids[0];
        foreach (string id in ids) while (!id.StartsWith(prefix, StringComparison.Ordinal)) prefix = prefix[..^1];
        return prefix;
    }

}
