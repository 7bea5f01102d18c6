using Flip.Benchmarks.Federated;

namespace Flip.Benchmarks.Tests.Federated;

public sealed class OrchestrationBenchmarkTests
{
    [Fact]
    public async Task RunAsync_runs_every_site_every_round_and_derives_the_per_site_figure()
    {
        var result = await OrchestrationBenchmark.RunAsync(new OrchestrationBenchmarkOptions { Sites = 10, Rounds = 3, WarmUp = false });

        // Per round: 10 sites × (train loss + train num-examples + test loss + test num-examples) + federated loss + 2 server rows = 43.
        Assert.Equal(3 * 43, result.MetricRows);
        Assert.Equal((10, 3), (result.Sites, result.Rounds));
        Assert.Equal(result.Elapsed.TotalMilliseconds * 1000 / 30, result.MicrosecondsPerSiteRound, 6);
    }
}
