namespace Flip.Benchmarks.Flower;

/// <summary>Knobs of the W4 run; the defaults are BENCHMARKS.md's rules.</summary>
public sealed record NpyBenchmarkOptions
{
    /// <summary>Measured calls on the W1 set.</summary>
    /// <value>50.</value>
    public int W1MeasuredCalls { get; init; } = 50;

    /// <summary>Measured calls on the 25M set.</summary>
    /// <value>7.</value>
    public int Set25MMeasuredCalls { get; init; } = 7;

    /// <summary>Minimum warm-up calls on the W1 set.</summary>
    /// <value>5.</value>
    public int W1WarmupCalls { get; init; } = 5;

    /// <summary>Minimum warm-up calls on the 25M set.</summary>
    /// <value>1.</value>
    public int Set25MWarmupCalls { get; init; } = 1;

    /// <summary>Minimum warm-up time per direction and set, so tiered JIT reaches optimised code.</summary>
    /// <value>1 second.</value>
    public TimeSpan MinimumWarmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether to run the 25M set (100 MB per copy; about 0.5 GB of memory while running).</summary>
    /// <value><see langword="true"/>.</value>
    public bool Include25M { get; init; } = true;

    /// <summary>Seed of the synthetic values (values do not affect speed).</summary>
    /// <value>0.</value>
    public int Seed { get; init; }
}
