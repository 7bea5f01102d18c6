namespace Flip.Benchmarks.Imaging;

/// <summary>One shape of <see cref="DicomReadBenchmark"/>.</summary>
/// <param name="Shape">What was read: headers only, all values, with pixel data, or an index scan.</param>
/// <param name="Threads">Threads used.</param>
/// <param name="Files">Files per pass.</param>
/// <param name="Bytes">Bytes per pass (file sizes).</param>
/// <param name="MedianSeconds">Median pass time.</param>
/// <param name="FilesPerSecond">Files per second at the median.</param>
/// <param name="MegabytesPerSecond">10⁶ bytes per second at the median.</param>
public sealed record DicomReadResult(string Shape, int Threads, int Files, long Bytes, double MedianSeconds, double FilesPerSecond, double MegabytesPerSecond);
