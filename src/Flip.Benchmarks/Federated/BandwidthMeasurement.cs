namespace Flip.Benchmarks.Federated;

/// <summary>One memory-bandwidth probe of W3.</summary>
/// <param name="Probe"><c>copy</c> (GB/s counted as read + write) or <c>read-sum</c> (read only).</param>
/// <param name="Threads">Threads used.</param>
/// <param name="Bytes">The array size in bytes.</param>
/// <param name="MedianGigabytesPerSecond">Bandwidth at the median time, 10⁹ B/s.</param>
/// <param name="MinGigabytesPerSecond">Bandwidth at the slowest time.</param>
/// <param name="MaxGigabytesPerSecond">Bandwidth at the fastest time.</param>
public sealed record BandwidthMeasurement(string Probe, int Threads, long Bytes, double MedianGigabytesPerSecond, double MinGigabytesPerSecond, double MaxGigabytesPerSecond);
