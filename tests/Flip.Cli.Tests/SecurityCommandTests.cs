namespace Flip.Cli.Tests;

public sealed class SecurityCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-secagg-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Simulate_runs_FedAvg_over_secure_aggregation_beside_Krum_with_a_poisoned_hospital()
    {
        string run = Path.Combine(_folder, "run");

        CliProcess.Result result = CliProcess.Run("simulate", "--secure-aggregation", "--secagg-neighbours", "2", "--secagg-threshold", "0.7", "--attack", "site-3:scale=10",
            "--strategy", "fedavg", "krum", "--rounds", "1", "--scale", "0.02", "--device", "cpu", "--out", run);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("fedavg-secagg", result.Output);
        foreach (string strategy in new[] { "fedavg-secagg", "krum" })
        {
            Assert.StartsWith("round,site,split,metric,value", File.ReadAllText(Path.Combine(run, strategy, "metrics.csv")));
        }

        string settings = File.ReadAllText(Path.Combine(run, "simulate.json"));
        Assert.Contains("\"attack\": \"site-3:scale=10\"", settings);
        Assert.Contains("\"secagg-neighbours\": 2", settings);
        Assert.Contains("\"secagg-threshold\": 0.7", settings);
    }

    [Theory]
    [InlineData("site-3", "--attack 'site-3': has no site before ':'")]
    [InlineData("site-3:flood", "--attack 'site-3:flood': 'flood' is not an attack; expected SITE:sign-flip, SITE:scale=FACTOR or SITE:noise[=SIGMA]")]
    [InlineData("site-9:noise", "--attack 'site-9:noise': FLIP-6 has no site site-9; its sites are site-1, site-2, site-3, site-4, site-5, site-6.")]
    public void Simulate_refuses_a_malformed_attack_before_writing_anything(string attack, string message)
    {
        string run = Path.Combine(_folder, "never");

        CliProcess.Result result = CliProcess.Run("simulate", "--attack", attack, "--rounds", "1", "--out", run);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.All);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Secure_aggregation_needs_FedAvg()
    {
        CliProcess.Result result = CliProcess.Run("simulate", "--secure-aggregation", "--strategy", "fedprox", "krum", "--out", Path.Combine(_folder, "never"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--secure-aggregation runs FedAvg, but --strategy is fedprox krum.", result.All);
    }

    [Fact]
    public void Bench_secagg_prints_overhead_error_and_uniformity()
    {
        CliProcess.Result result = CliProcess.Run("bench", "secagg", "--rounds", "1");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("SecAgg+ FedAvg, 6 sites, 484,162 values", result.Output);
        Assert.Contains("chi-square vs uniform", result.Output);
        Assert.Contains("max |error| vs FedAvg of survivors (2 dropped)", result.Output);
    }
}
