namespace Flip.Flower.Fuzzing;

/// <summary>Settings of a Fleet API fuzzing run (<c>flip-research fuzz fleet</c>).</summary>
public sealed record FleetFuzzOptions
{
    /// <summary>Mutated replies run through the server's decode path in process.</summary>
    /// <value>10,000.</value>
    public long Cases { get; init; } = 10_000;

    /// <summary>Mutated replies sent to a real Fleet server over loopback gRPC (register, pull, push, upload).</summary>
    /// <value>200.</value>
    public long WireCases { get; init; } = 200;

    /// <summary>The run's seed: the same seed and case numbers give the same inputs.</summary>
    /// <value>1.</value>
    public ulong Seed { get; init; } = 1;

    /// <summary>Bytes one decode-path case may allocate beyond its reply's budget and eight times its input (copies, parsing).</summary>
    /// <value>16 MiB.</value>
    public long AllocationSlack { get; init; } = 16L << 20;
}
