namespace Flip.Benchmarks.Flower;

/// <summary>One W4 measurement (BENCHMARKS.md W4): NPY serialisation and deserialisation of one parameter set.</summary>
/// <param name="Set">The set's name (<c>W1</c> or <c>25M</c>).</param>
/// <param name="Arrays">Number of arrays in the set.</param>
/// <param name="PayloadBytes">Sum of the arrays' element bytes (the MB/s numerator).</param>
/// <param name="NpyBytes">Sum of the NPY blobs' lengths (headers included).</param>
/// <param name="MeasuredCalls">Measured calls each way, after warm-up.</param>
/// <param name="EncodeMedian">Median time to serialise the whole set.</param>
/// <param name="EncodeMin">Fastest serialisation.</param>
/// <param name="EncodeMax">Slowest serialisation.</param>
/// <param name="DecodeMedian">Median time to deserialise the whole set.</param>
/// <param name="DecodeMin">Fastest deserialisation.</param>
/// <param name="DecodeMax">Slowest deserialisation.</param>
public sealed record NpyBenchmarkResult(
    string Set,
    int Arrays,
    long PayloadBytes,
    long NpyBytes,
    int MeasuredCalls,
    TimeSpan EncodeMedian,
    TimeSpan EncodeMin,
    TimeSpan EncodeMax,
    TimeSpan DecodeMedian,
    TimeSpan DecodeMin,
    TimeSpan DecodeMax)
{
    /// <summary>Serialisation throughput at the median: payload bytes / time, 10⁶ B per MB.</summary>
    public double EncodeMegabytesPerSecond => PayloadBytes / 1e6 / EncodeMedian.TotalSeconds;

    /// <summary>Deserialisation throughput at the median: payload bytes / time, 10⁶ B per MB.</summary>
    public double DecodeMegabytesPerSecond => PayloadBytes / 1e6 / DecodeMedian.TotalSeconds;

    /// <summary>Threads used by the codec.</summary>
    /// <value>1: the codec is single-threaded.</value>
    public int Threads => 1;
}
