using Flip.Imaging.Fuzzing;

namespace Flip.Imaging.Tests.Fuzzing;

/// <summary>The fuzzer's seeds, built once: Flip.Imaging's writer plus dcmtk's conversions (big endian, deflate, RLE, JPEG lossless, JPEG-LS).</summary>
public sealed class FuzzSeedsFixture : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "flip-fuzz-seeds-" + Guid.NewGuid().ToString("N"));

    public FuzzSeedsFixture()
    {
        Seeds = DicomFuzzSeeds.Create(_folder, useDcmtk: true, out var skipped);
        Skipped = skipped;
    }

    public IReadOnlyList<DicomFuzzSeed> Seeds { get; }

    public IReadOnlyList<string> Skipped { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
