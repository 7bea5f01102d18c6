using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Flip.Cli.Tests.Interop;

/// <summary>
/// Real Flower 1.27.0 deployment processes on loopback for one test, on free ports: a SuperLink, SuperNodes, FLIP's
/// processes and <c>submit_run.py</c> (what <c>flwr run</c> does through the Control API). Every process is stopped on
/// dispose, the last started first, and the folder is deleted.
/// </summary>
internal sealed class FlowerDeployment : IDisposable
{
    private readonly List<NodeProcess> _processes = [];

    public string Folder { get; } = Directory.CreateTempSubdirectory("flip-appio-interop-").FullName;

    public string FlwrHome => Path.Combine(Folder, "flwr-home");

    public static string P(int value) => value.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        for (int i = _processes.Count - 1; i >= 0; i--)
        {
            _processes[i].Dispose();
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public NodeProcess Add(NodeProcess process)
    {
        _processes.Add(process);
        return process;
    }

    /// <summary>Starts <c>flower-superlink</c> (with <c>--isolation process</c> when asked); returns its ServerAppIo, Fleet and Control addresses once they listen.</summary>
    public (string ServerAppIo, string Fleet, string Control) StartSuperLink(bool isolationProcess)
    {
        string serverAppIo = Free(), fleet = Free(), control = Free();
        string[] isolation = isolationProcess ? ["--isolation", "process"] : [];
        Add(NodeProcess.Of(FlowerHarness.Start("flower-superlink",
            ["--insecure", .. isolation, "--database", ":flwr-in-memory:", "--serverappio-api-address", serverAppIo,
                "--fleet-api-address", fleet, "--control-api-address", control], FlwrHome)));
        foreach (string address in new[] { serverAppIo, fleet, control })
        {
            WaitForPort(address);
        }

        return (serverAppIo, fleet, control);
    }

    /// <summary>Starts <c>flower-supernode</c> for partition <paramref name="partition"/>; returns its ClientAppIo address once it listens.</summary>
    public string StartSuperNode(string fleet, int partition, bool isolationProcess)
    {
        string clientAppIo = Free();
        string[] isolation = isolationProcess ? ["--isolation", "process"] : [];
        Add(NodeProcess.Of(FlowerHarness.Start("flower-supernode",
            ["--insecure", .. isolation, "--superlink", fleet, "--clientappio-api-address", clientAppIo, "--node-config", $"partition-id={P(partition)}", "--max-retries", "10"], FlwrHome)));
        WaitForPort(clientAppIo);
        return clientAppIo;
    }

    /// <summary>Submits a run of <paramref name="app"/> with run-config overrides (TOML values), as <c>flwr run</c>; exits 0 iff the run finished completed.</summary>
    public NodeProcess Submit(string app, string control, params string[] runConfig) =>
        Add(NodeProcess.Of(FlowerHarness.Start(FlowerHarness.Python,
            [Path.Combine(FlowerHarness.Home, "fleet", "submit_run.py"), app, "--control", control, .. runConfig.SelectMany(c => new[] { "--run-config", c })], FlwrHome)));

    /// <summary>A copy of the shared U-Net app whose run config also declares the keys FLIP's ServerApp reads (Flower refuses overrides of keys an app does not declare).</summary>
    public string UNetAppWithFlipKeys()
    {
        string app = Path.Combine(Folder, "unetapp-flip");
        foreach (string file in Directory.EnumerateFiles(FlowerHarness.UNetApp, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("__pycache__", StringComparison.Ordinal)))
        {
            string target = Path.Combine(app, Path.GetRelativePath(FlowerHarness.UNetApp, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        string pyproject = Path.Combine(app, "pyproject.toml");
        File.WriteAllText(pyproject, File.ReadAllText(pyproject).Replace("[tool.flwr.app.config]\n",
            "[tool.flwr.app.config]\nstrategy = \"fedavg\"\nbase-channels = 16\nmin-sites = 2\n", StringComparison.Ordinal));
        return app;
    }

    private static string Free() => $"127.0.0.1:{P(CliProcess.FreePort())}";

    private static void WaitForPort(string address)
    {
        int port = int.Parse(address.Split(':')[1], CultureInfo.InvariantCulture);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (watch.Elapsed < TimeSpan.FromMinutes(1))
            {
                Thread.Sleep(100);
            }
        }
    }
}
