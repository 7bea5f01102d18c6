namespace Flip.Imaging.Dicom;

/// <summary>Encapsulated pixel data: the Basic Offset Table and the fragments that follow it.</summary>
/// <remarks>PS3.5 §A.4. Offsets in the Basic Offset Table count from the first byte of the first fragment's item tag.</remarks>
public sealed class DicomFragments
{
    /// <summary>Creates the fragment list.</summary>
    /// <param name="basicOffsetTable">The first item's value (may be empty).</param>
    /// <param name="fragments">The fragments' values.</param>
    /// <param name="itemOffsets">For each fragment, the offset of its item tag from the first fragment's item tag.</param>
    public DicomFragments(ReadOnlyMemory<byte> basicOffsetTable, IReadOnlyList<ReadOnlyMemory<byte>> fragments, IReadOnlyList<long> itemOffsets)
    {
        ArgumentNullException.ThrowIfNull(fragments);
        ArgumentNullException.ThrowIfNull(itemOffsets);
        if (fragments.Count != itemOffsets.Count)
            throw new ArgumentException($"{fragments.Count} fragments but {itemOffsets.Count} offsets; expected one offset per fragment.", nameof(itemOffsets));
        BasicOffsetTable = basicOffsetTable;
        Fragments = fragments;
        ItemOffsets = itemOffsets;
    }

    /// <summary>The Basic Offset Table's raw bytes (little-endian 32-bit offsets), possibly empty.</summary>
    public ReadOnlyMemory<byte> BasicOffsetTable { get; }

    /// <summary>The fragments, in file order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Fragments { get; }

    /// <summary>Each fragment's item offset relative to the first fragment's item tag.</summary>
    public IReadOnlyList<long> ItemOffsets { get; }
}
