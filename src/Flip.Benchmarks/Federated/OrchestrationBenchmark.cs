using Flip.Federated;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;

namespace Flip.Benchmarks.Federated;

/// <summary>
/// Measures what the simulation itself costs: FedAvg over many sites whose trainer does no work
/// (it returns the global model), so the time is sampling, scheduling, layout checks, aggregation
/// and metric bookkeeping. <c>flip-research bench</c> prints the result.
/// </summary>
public static class OrchestrationBenchmark
{
    /// <summary>Runs the benchmark (100 sites × 50 rounds by default).</summary>
    /// <param name="options">Sizes; the by default.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>The figures.</returns>
    public static async Task<OrchestrationBenchmarkResult> RunAsync(OrchestrationBenchmarkOptions? options = null, TimeProvider? timeProvider = null, CancellationToken ct = default)
    {
        options ??= new OrchestrationBenchmarkOptions();
        var time = timeProvider ?? TimeProvider.System;
        if (options.WarmUp)
        {
            await RunOnceAsync(options with { Sites = Math.Min(options.Sites, 10), Rounds = 5 }, ct).ConfigureAwait(false);
        }

        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long start = time.GetTimestamp();
        var run = await RunOnceAsync(options, ct).ConfigureAwait(false);
        var elapsed = time.GetElapsedTime(start);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return new OrchestrationBenchmarkResult(
            options.Sites,
            options.Rounds,
            options.MaxParallelism,
            elapsed,
            elapsed.TotalMilliseconds / options.Rounds,
            elapsed.TotalMilliseconds * 1000 / ((double)options.Sites * options.Rounds),
            allocated,
            run.Metrics.Count,
            options.ParameterCount * (long)sizeof(float),
            System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64);
    }

    private static Task<RunResult> RunOnceAsync(OrchestrationBenchmarkOptions options, CancellationToken ct)
    {
        var trainer = new EchoTrainer(options.CopyParameters);
        var sites = Enumerable.Range(0, options.Sites).Select(i => new Site(new SiteId($"site-{i:D3}"), trainer)).ToList();
        var initial = ParameterSet.Create(ParameterArray.Float32("w", [options.ParameterCount], new float[options.ParameterCount]));
        var simulation = new Simulation(sites, new FedAvg(), new SimulationOptions { Rounds = options.Rounds, MaxParallelism = options.MaxParallelism, Seed = 1 });
        return simulation.RunAsync(initial, ct: ct);
    }

    /// <summary>A trainer that does nothing: it returns the model it was given (or a copy of it).</summary>
    private sealed class EchoTrainer(bool copy) : ISiteTrainer
    {
        private static readonly MetricSet Metrics = MetricSet.Of((MetricNames.Loss, 0));

        public Task<SiteUpdate> TrainAsync(ParameterSet global, TrainConfig config, SiteState state, CancellationToken ct)
            => Task.FromResult(new SiteUpdate(copy ? ParameterMath.Scale(global, 1) : global, ParameterKind.Full, 1, Metrics));

        public Task<SiteEvaluation> EvaluateAsync(ParameterSet global, EvaluateConfig config, SiteState state, CancellationToken ct)
            => Task.FromResult(new SiteEvaluation(1, Metrics));

        public SiteSummary Describe() => new(1, 1, new Dictionary<string, long>());
    }
}
