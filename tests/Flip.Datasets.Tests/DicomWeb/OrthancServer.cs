using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>
/// A real Orthanc (Debian's <c>orthanc</c> + <c>orthanc-dicomweb</c>) on loopback for one test class: own temp config and
/// storage, free HTTP and DICOM ports, HTTP basic auth on, started and stopped by its PID (never by name).
/// </summary>
/// <remarks>Facts (config, ready and stop times, quirks) in <c>/work/shared/ORTHANC.md</c>. Shared with Flip.Cli.Tests as a linked file.</remarks>
public sealed class OrthancServer : IDisposable
{
    public const string User = "flip";
    public const string Password = "flip-test-pw";
    private const string PluginPath = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";
    private readonly Process _process;

    public OrthancServer()
    {
        string executable = new[] { "/usr/sbin/Orthanc", "/usr/bin/Orthanc" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Orthanc is not installed (apt-get install orthanc orthanc-dicomweb; .ci/run does this).");
        Assert.True(File.Exists(PluginPath), $"the DICOMweb plugin is missing at {PluginPath} (apt-get install orthanc-dicomweb).");
        Folder = Directory.CreateTempSubdirectory("flip-orthanc-").FullName;
        // Two free ports; a race with another process is possible, so a failed start retries with new ones.
        for (int attempt = 1; ; attempt++)
        {
            HttpPort = FreePort();
            int dicomPort = FreePort();
            string config = WriteConfig(dicomPort);
            var start = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add($"--logdir={Path.Combine(Folder, "logs")}");
            start.ArgumentList.Add(config);
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            if (WaitReady()) break;
            Stop();
            if (attempt == 3) throw new InvalidOperationException($"Orthanc did not become ready on port {HttpPort}; its log is in {Folder}/logs.");
        }
    }

    /// <summary>The temp folder with config, storage and logs.</summary>
    public string Folder { get; }

    public int HttpPort { get; private set; }

    /// <summary>The DICOMweb root, e.g. http://127.0.0.1:PORT/dicom-web.</summary>
    public Uri DicomWebRoot => new($"http://127.0.0.1:{HttpPort}/dicom-web");

    public int ProcessId => _process.Id;

    /// <summary>Sets two process environment variables to the test credentials and returns their names (unique per call).</summary>
    public static (string UserVariable, string PasswordVariable) CredentialVariables(string password = Password)
    {
        string suffix = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        string user = $"FLIP_TEST_PACS_USER_{suffix}", pass = $"FLIP_TEST_PACS_PASSWORD_{suffix}";
        Environment.SetEnvironmentVariable(user, User);
        Environment.SetEnvironmentVariable(pass, password);
        return (user, pass);
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Stop()
    {
        if (_process.HasExited) return;
        Signal(_process.Id, "TERM"); // SIGTERM, then SIGKILL after 30 s, by PID.
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) _process.Kill();
        _process.WaitForExit();
    }

    private bool WaitReady()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited) return false;
            try
            {
                using HttpResponseMessage response = http.GetAsync($"http://127.0.0.1:{HttpPort}/system").GetAwaiter().GetResult();
                if (response.StatusCode == HttpStatusCode.OK) return true;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            Thread.Sleep(100);
        }

        return false;
    }

    private string WriteConfig(int dicomPort)
    {
        string db = Path.Combine(Folder, "db");
        Directory.CreateDirectory(db);
        Directory.CreateDirectory(Path.Combine(Folder, "logs"));
        string path = Path.Combine(Folder, "orthanc.json");
        File.WriteAllText(path, $$"""
            {
              "Name" : "FLIP-TEST",
              "StorageDirectory" : "{{db}}", "IndexDirectory" : "{{db}}",
              "Plugins" : [ "{{PluginPath}}" ],
              "ConcurrentJobs" : 1, "HttpPort" : {{HttpPort}}, "HttpThreadsCount" : 8,
              "OrthancExplorerEnabled" : false, "WebDavEnabled" : false,
              "RemoteAccessAllowed" : false,
              "AuthenticationEnabled" : true, "RegisteredUsers" : { "{{User}}" : "{{Password}}" },
              "DicomServerEnabled" : true, "DicomAet" : "ORTHANC", "DicomPort" : {{dicomPort}},
              "DicomCheckCalledAet" : true, "DicomThreadsCount" : 1,
              "DicomAlwaysAllowEcho" : true, "DicomAlwaysAllowStore" : false, "DicomAlwaysAllowFind" : false,
              "DicomAlwaysAllowGet" : false, "DicomAlwaysAllowMove" : false,
              "DicomCheckModalityHost" : true, "DicomModalities" : { },
              "SaveJobs" : false,
              "DicomWeb" : { "Enable" : true, "Root" : "/dicom-web/", "EnableWado" : true, "WadoRoot" : "/wado", "Ssl" : false }
            }
            """);
        return path;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Sends a signal to one PID with kill(1).</summary>
    private static void Signal(int pid, string signal)
    {
        using Process? kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit();
    }
}
