using System.Globalization;
using Flip.Reporting.Tests;

namespace Flip.Cli.Tests;

/// <summary>
/// <c>simulate --strategy dp-fedavg</c> end to end: DP-FedAvg trains with clipping and noise, the console states the ε it
/// spent, and the report's privacy chart receives that ε from the run's own metrics.csv, drawn in headless Chromium.
/// </summary>
public sealed class SimulatePrivacyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-dp-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_dp_fedavg_run_states_its_epsilon_and_the_report_draws_the_privacy_chart_from_it()
    {
        string run = Path.Combine(_folder, "run");

        CliProcess.Result result = CliProcess.Run("simulate", "--strategy", "fedavg", "dp-fedavg", "--dp-noise", "0.8", "--dp-clip", "0.5",
            "--rounds", "2", "--scale", "0.02", "--device", "cpu", "--out", run);

        Assert.True(result.ExitCode == 0, result.All);
        // The ε of the last round, as DP-FedAvg's accountant wrote it on the federated row.
        string epsilonRow = File.ReadLines(Path.Combine(run, "dp-fedavg", "metrics.csv")).Last(l => l.StartsWith("2,federated,test,epsilon,", StringComparison.Ordinal));
        double epsilon = double.Parse(epsilonRow.Split(',')[4], CultureInfo.InvariantCulture);
        Assert.True(epsilon > 0 && double.IsFinite(epsilon), epsilonRow);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"dp-fedavg: ε = {epsilon:0.##} at δ = 1e-5 after 2 rounds (clip C = 0.5, noise z = 0.8, central noise"), result.Output);
        Assert.Contains("\"dp-noise\": 0.8", File.ReadAllText(Path.Combine(run, "simulate.json")));

        // The report's privacy chart: present, and drawn with the run's point by plotly in a real browser, offline.
        string html = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.Contains("chart-privacy", html);
        string probe = Path.Combine(_folder, "report.probe.html");
        File.WriteAllText(probe, html.Replace("<head>\n", "<head>\n" + Chromium.Probe, StringComparison.Ordinal));
        var (root, _) = Chromium.RunProbe(probe, 12000);
        Assert.Empty(root.GetProperty("errors").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(root.GetProperty("requests").EnumerateArray().Select(e => e.GetString()));
        var privacy = root.GetProperty("charts").EnumerateArray().Single(c => c.GetProperty("id").GetString()!.EndsWith("chart-privacy", StringComparison.Ordinal));
        Assert.True(privacy.GetProperty("traces").GetInt32() >= 1, "the privacy chart drew no trace");
    }

    [Fact]
    public void A_dp_option_without_dp_fedavg_is_refused_before_anything_is_written()
    {
        string run = Path.Combine(_folder, "refused");

        CliProcess.Result result = CliProcess.Run("simulate", "--strategy", "fedavg", "--dp-noise", "2", "--out", run);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--dp-noise sets up differential privacy, which this run does not use.", result.All);
        Assert.False(Directory.Exists(run));
    }
}
