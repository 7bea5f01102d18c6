namespace Flip.Imaging.Fuzzing;

/// <summary>How long and how hard to fuzz.</summary>
public sealed record DicomFuzzOptions
{
    /// <summary>Cases to run.</summary>
    public long Cases { get; init; } = 100_000;

    /// <summary>The run's seed: case <c>i</c> of seed <c>s</c> is always the same mutant.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Where to save inputs that broke a rule (with a <c>.txt</c> describing each); nothing is saved when null.</summary>
    public string? OutputFolder { get; init; }

    /// <summary>A case still running after this long is reported as a hang and the run stops.</summary>
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Fixed allowance of bytes one case may allocate, on top of <see cref="AllocationPerFileByte"/> × the file's length.</summary>
    public long AllocationBase { get; init; } = 16L << 20;

    /// <summary>Bytes one case may allocate per byte of input (parse objects, JSON text, decoded and rescaled frames, the volume).</summary>
    public long AllocationPerFileByte { get; init; } = 8192;

    /// <summary>The allocation budget of one case.</summary>
    /// <param name="fileLength">The mutant's length.</param>
    /// <returns>Bytes.</returns>
    public long AllocationBudget(long fileLength) => AllocationBase + AllocationPerFileByte * fileLength;
}
