namespace Flip.Benchmarks.Federated;

/// <summary>What <see cref="OrchestrationBenchmark"/> runs.</summary>
public sealed record OrchestrationBenchmarkOptions
{
    /// <summary>The number of sites.</summary>
    /// <value>100 (the goal is stated for 100 sites × 50 rounds).</value>
    public int Sites { get; init; } = 100;

    /// <summary>The number of rounds.</summary>
    /// <value>50.</value>
    public int Rounds { get; init; } = 50;

    /// <summary>How many sites run at once.</summary>
    /// <value>2 (the cores of the reference machine).</value>
    public int MaxParallelism { get; init; } = 2;

    /// <summary>Elements in the trivial model's one float32 array.</summary>
    /// <value>16.</value>
    public int ParameterCount { get; init; } = 16;

    /// <summary>Whether the trivial trainer returns a fresh copy of the model (as a real trainer does) instead of the same instance.</summary>
    /// <value><see langword="false"/>: measure orchestration alone.</value>
    public bool CopyParameters { get; init; }

    /// <summary>Whether to run a small simulation first so the measured one runs JIT-optimised code.</summary>
    /// <value><see langword="true"/>.</value>
    public bool WarmUp { get; init; } = true;
}
