namespace Flip.Imaging.Dicom;

/// <summary>How strictly and how far the reader reads.</summary>
/// <remarks>The defaults are strict (STYLE.md §4): every leniency is named here.</remarks>
public sealed record DicomReadOptions
{
    /// <summary>The default options: strict, read everything.</summary>
    public static DicomReadOptions Default { get; } = new();

    /// <summary>Header only: stop before Pixel Data (7FE0,0010), for indexing.</summary>
    public static DicomReadOptions HeaderOnly { get; } = new() { StopWhen = static tag => tag.Value >= 0x7FE00000u };

    /// <summary>A predicate on top-level tags: the reader stops before the first one it accepts, without reading its value.</summary>
    /// <value><see langword="null"/>: read to the end.</value>
    public Func<DicomTag, bool>? StopWhen { get; init; }

    /// <summary>Leave Pixel Data that ends a file on disk until it is used (<see cref="DicomFile.Open"/> only).</summary>
    /// <value>true. Set false when every pixel will be decoded anyway: one read of the whole file is then cheaper.</value>
    public bool LazyPixelData { get; init; } = true;

    /// <summary>How deep sequences may nest before the reader gives up (guards against nesting bombs).</summary>
    /// <value>32.</value>
    public int MaxSequenceDepth { get; init; } = 32;

    /// <summary>Accept odd value lengths, which PS3.5 §7.1.1 forbids but some old writers produce.</summary>
    /// <value>false.</value>
    public bool AllowOddLengths { get; init; }

    /// <summary>Read the dataset as implicit VR when the file meta says explicit VR but the first element has no VR (a known writer bug), and the other way round.</summary>
    /// <value>false: such files raise <see cref="DicomFormatException"/>.</value>
    public bool DetectVrEncoding { get; init; }

    /// <summary>The most bytes a deflated dataset may inflate to.</summary>
    /// <value>1 GiB.</value>
    public long MaxInflatedBytes { get; init; } = 1L << 30;
}
