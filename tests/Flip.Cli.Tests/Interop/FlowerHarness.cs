using System.Diagnostics;

namespace Flip.Cli.Tests.Interop;

/// <summary>
/// The real Flower 1.27.0 the interop tests run against: the folder named by <c>FLOWER_HARNESS</c>, built by
/// <c>tests/flower-interop/setup-harness.sh</c> from a git mirror of adap/flower (Flower's source is never in this
/// repository). Without it the interop tests are skipped, and each says so with the command that builds it.
/// </summary>
public static class FlowerHarness
{
    /// <summary>The Flower version the harness must hold.</summary>
    public const string Version = "1.27.0";

    /// <summary>Why the interop tests cannot run here, or null when the harness is present.</summary>
    public static string? Missing { get; } = FindMissing();

    /// <summary>The harness folder (holds <c>site-1.27.0/</c>, <c>fleet/</c>, <c>legacy/</c>, <c>env.sh</c>).</summary>
    public static string Home => Missing is null
        ? Environment.GetEnvironmentVariable("FLOWER_HARNESS")!
        : throw new InvalidOperationException(Missing);

    /// <summary>The folder put on <c>PYTHONPATH</c>: Flower's <c>flwr</c> package and the harness shims.</summary>
    public static string Site => Path.Combine(Home, $"site-{Version}");

    /// <summary>A script of the harness's <c>legacy/</c> folder (<c>legacy_server.py</c>: start_server + FedAvg; <c>legacy_client.py</c>: a NumPyClient).</summary>
    public static string LegacyScript(string name) => Path.Combine(Home, "legacy", name);

    /// <summary>Debian's Python, which runs the harness (Flower on <c>PYTHONPATH</c>, python3-torch for PyTorch apps).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>Fails, saying what to install, when Debian's Python has no PyTorch (PyTorch ClientApps need it).</summary>
    public static void RequireTorch()
    {
        var start = new ProcessStartInfo(Python, ["-c", "import torch"]) { RedirectStandardError = true, UseShellExecute = false };
        using Process check = Process.Start(start)!;
        string error = check.StandardError.ReadToEnd();
        check.WaitForExit();
        Assert.True(check.ExitCode == 0, $"{Python} cannot import torch, which PyTorch ClientApps need: apt-get install python3-torch. {error}");
    }

    /// <summary>The shared U-Net Flower app (stock FedAvg, PyTorch nodes), beside the repository as <c>../shared/flower-unetapp</c>.</summary>
    public static string UNetApp => FindShared("flower-unetapp");

    /// <summary>
    /// A process start for one of Flower's programs (<c>flower-superlink</c>, <c>flower-supernode</c>, …) or a Python
    /// script, with the harness's environment: <c>PYTHONPATH</c>, <c>PATH</c>, telemetry off, <c>FLWR_HOME</c> in
    /// <paramref name="flwrHome"/>.
    /// </summary>
    public static ProcessStartInfo Start(string program, IEnumerable<string> args, string flwrHome)
    {
        string bin = Path.Combine(Site, "bin");
        string path = File.Exists(Path.Combine(bin, program)) ? Path.Combine(bin, program) : program;
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PYTHONPATH"] = Site;
        start.Environment["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment["FLWR_TELEMETRY_ENABLED"] = "0";
        start.Environment["FLWR_HOME"] = flwrHome;
        start.Environment["PYTHONUNBUFFERED"] = "1";
        return start;
    }

    private static string? FindMissing()
    {
        string? home = Environment.GetEnvironmentVariable("FLOWER_HARNESS");
        const string how = "build it with tests/flower-interop/setup-harness.sh (needs a git mirror of adap/flower) and set FLOWER_HARNESS to the folder it prints";
        if (string.IsNullOrEmpty(home))
        {
            return $"FLOWER_HARNESS is not set, so no real Flower {Version} is here: {how}.";
        }

        string site = Path.Combine(home, $"site-{Version}", "flwr");
        return Directory.Exists(site) ? null : $"FLOWER_HARNESS={home} holds no {site}: {how}.";
    }

    private static string FindShared(string name)
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", name);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"no shared/{name} folder above {AppContext.BaseDirectory}; the interop tests expect the repository's ../shared beside it.");
    }
}

/// <summary>A test against real Flower: skipped, with the reason and the command that fixes it, when the harness is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FlowerFactAttribute : FactAttribute
{
    /// <summary>Skips the test when <see cref="FlowerHarness.Missing"/> says why it cannot run.</summary>
    public FlowerFactAttribute()
    {
        if (FlowerHarness.Missing is { } why)
        {
            Skip = "SKIPPED, NOT RUN AGAINST REAL FLOWER: " + why;
        }
    }
}
