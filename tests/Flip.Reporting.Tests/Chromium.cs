using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Flip.Reporting.Tests;

/// <summary>Headless Chromium, run offline: every request goes to a dead proxy, and nothing is fetched in the background.</summary>
internal static class Chromium
{
    public const int WindowWidth = 1280;

    /// <summary>The browser executable: FLIP_CHROMIUM, else chromium or chromium-browser on PATH; fails the test when absent.</summary>
    public static string Find()
    {
        string? configured = Environment.GetEnvironmentVariable("FLIP_CHROMIUM");
        if (!string.IsNullOrEmpty(configured))
        {
            if (File.Exists(configured)) return configured;
            Assert.Fail($"FLIP_CHROMIUM is '{configured}', which does not exist; point it at a Chromium executable or unset it.");
        }
        foreach (string name in new[] { "chromium", "chromium-browser" })
        {
            foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                string candidate = Path.Combine(folder, name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        Assert.Fail("Headless Chromium is needed to check report.html and notebook outputs in a real browser and was not found on PATH (chromium, chromium-browser). " +
                    "Install it: apt-get install -y chromium (CI's .ci/run does), or set FLIP_CHROMIUM to its path.");
        return "";
    }

    /// <summary>A script to inject into the head of a copy of a page: records script errors, console errors, every request
    /// and what plotly drew in each <c>div.flip-chart</c>, then writes them as JSON into the body's <c>data-flip-probe</c>.</summary>
    public const string Probe = """
        <script>
        window.__flipErrors = [];
        window.addEventListener("error", function (e) { window.__flipErrors.push("error: " + e.message); });
        window.addEventListener("unhandledrejection", function (e) { window.__flipErrors.push("rejection: " + e.reason); });
        (function () { var original = console.error; console.error = function () { window.__flipErrors.push("console: " + Array.prototype.join.call(arguments, " ")); original.apply(console, arguments); }; })();
        window.addEventListener("load", function () { setTimeout(function () {
          var charts = Array.prototype.slice.call(document.querySelectorAll("div.flip-chart"));
          var result = {
            errors: window.__flipErrors,
            requests: performance.getEntriesByType("resource").map(function (r) { return r.name; }),
            mainSvgs: document.querySelectorAll("svg.main-svg").length,
            height: document.documentElement.scrollHeight,
            charts: charts.map(function (c) {
              var r = c.getBoundingClientRect();
              return { id: c.id, plotly: c.classList.contains("js-plotly-plot"), svgs: c.querySelectorAll("svg.main-svg").length,
                       traces: c.querySelectorAll("g.trace, .heatmaplayer image, .hm image").length,
                       title: (c.querySelector(".gtitle") || {}).textContent || "",
                       left: r.left + window.scrollX, top: r.top + window.scrollY, width: r.width, height: r.height };
            })
          };
          document.body.setAttribute("data-flip-probe", JSON.stringify(result));
        }, 1000); });
        </script>
        """;

    /// <summary>How Chromium logs a page's console message on stderr (<c>INFO:CONSOLE:&lt;line&gt;] ...</c>).</summary>
    public const string ConsoleLine = @":CONSOLE[:(]\d+";

    /// <summary>Renders a page carrying <see cref="Probe"/> and returns what the probe reported, and Chromium's log.</summary>
    public static (JsonElement Root, string Log) RunProbe(string path, int windowHeight)
    {
        var (dom, log) = Run(path, windowHeight, "--dump-dom");
        var match = Regex.Match(dom, "data-flip-probe=\"([^\"]*)\"");
        Assert.True(match.Success, "The probe did not report; the page's scripts did not run to the end. Chromium said: " + log);
        using var probe = JsonDocument.Parse(WebUtility.HtmlDecode(match.Groups[1].Value));
        return (probe.RootElement.Clone(), log);
    }

    /// <summary>Runs Chromium headless on a local file with extra arguments; returns stdout and stderr.</summary>
    public static (string Stdout, string Stderr) Run(string file, int windowHeight, params string[] extra)
    {
        string executable = Find();
        string profile = Directory.CreateTempSubdirectory("flip-chromium-").FullName;
        try
        {
            var start = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
                $"--user-data-dir={profile}",
                // Offline: any request would go to a proxy on the discard port, where nothing listens.
                "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                "--enable-logging=stderr", "--v=0",
                $"--window-size={WindowWidth},{windowHeight}",
                "--virtual-time-budget=30000",
            }.Concat(extra).Append(new Uri(file).AbsoluteUri))
            {
                start.ArgumentList.Add(argument);
            }
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            // A guard against a hung browser, not a speed requirement.
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"Chromium did not finish rendering {file} within 3 minutes; stderr so far: {stderr.Result}");
            }
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"Chromium exited with {process.ExitCode} on {file}: {stderr.Result}");
            return (stdout.Result, stderr.Result);
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); }
            catch (IOException) { /* Chromium may still hold a lock file for a moment; the temp folder is cleaned later. */ }
        }
    }
}
