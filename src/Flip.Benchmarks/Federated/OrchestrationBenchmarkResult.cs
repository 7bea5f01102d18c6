namespace Flip.Benchmarks.Federated;

/// <summary>The orchestration overhead of the simulation with a trivial trainer.</summary>
/// <param name="Sites">Sites simulated.</param>
/// <param name="Rounds">Rounds run.</param>
/// <param name="MaxParallelism">Sites run at once.</param>
/// <param name="Elapsed">Wall time of the whole run.</param>
/// <param name="MillisecondsPerRound">Elapsed / rounds.</param>
/// <param name="MicrosecondsPerSiteRound">Elapsed / (sites × rounds): the overhead one site adds to one round (train + evaluate + aggregation + metrics); the goal is ≤ 1,000 µs.</param>
/// <param name="AllocatedBytes">Managed bytes allocated by the run's thread and pool threads (<see cref="GC.GetTotalAllocatedBytes"/> difference).</param>
/// <param name="MetricRows">Rows of long-format metrics the run produced.</param>
/// <param name="ModelBytes">Bytes of one copy of the model's float32 values.</param>
/// <param name="PeakWorkingSetBytes">The process's peak working set after the run (includes everything the process did before).</param>
public sealed record OrchestrationBenchmarkResult(int Sites, int Rounds, int MaxParallelism, TimeSpan Elapsed, double MillisecondsPerRound, double MicrosecondsPerSiteRound, long AllocatedBytes, int MetricRows, long ModelBytes, long PeakWorkingSetBytes);
