namespace Flip.Benchmarks.Flower;

/// <summary>What the server side of the <see cref="LoadBenchmark"/> measured.</summary>
/// <param name="Nodes">Nodes that took part.</param>
/// <param name="ModelBytes">Bytes of one model (float32 values).</param>
/// <param name="BaseRssBytes">The server process's RSS with the model loaded and the server listening, before any node joined.</param>
/// <param name="PeakRssBytes">The server process's peak RSS over the whole run.</param>
/// <param name="RoundSeconds">Wall time of each round (train + evaluate).</param>
/// <param name="PeakHeldUpdates">The most updates the aggregation held at once.</param>
/// <param name="PeakRepliesInFlight">The most replies uploading or waiting to be folded at once.</param>
/// <param name="LastRoundAggregated">Updates aggregated in the last round.</param>
/// <param name="Failures">Node failures in the run.</param>
public sealed record LoadServerResult(int Nodes, long ModelBytes, long BaseRssBytes, long PeakRssBytes, IReadOnlyList<double> RoundSeconds, int PeakHeldUpdates,
    int PeakRepliesInFlight, int LastRoundAggregated, int Failures)
{
    /// <summary>(peak − base) / model size.</summary>
    public double ExtraModels => (PeakRssBytes - BaseRssBytes) / (double)ModelBytes;
}
