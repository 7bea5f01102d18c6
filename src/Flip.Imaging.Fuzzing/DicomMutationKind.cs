namespace Flip.Imaging.Fuzzing;

/// <summary>The families of damage the fuzzer does to a valid file.</summary>
public enum DicomMutationKind
{
    /// <summary>XOR one to four bytes anywhere.</summary>
    FlipBytes,
    /// <summary>Cut the file at a position.</summary>
    Truncate,
    /// <summary>Overwrite an element's length field with a boundary value (0, odd, file length, 0x7FFFFFFF, 0xFFFFFFFE…).</summary>
    SetLength,
    /// <summary>Overwrite an explicit VR with another VR or two bytes that are not one.</summary>
    SwapVr,
    /// <summary>Turn an item or delimiter into another one, or delete it.</summary>
    DamageDelimiter,
    /// <summary>Declare an undefined length (0xFFFFFFFF) on an element that has a defined one.</summary>
    UndefinedLength,
    /// <summary>Swap two neighbouring elements, so tags are out of order.</summary>
    SwapElements,
    /// <summary>Duplicate an element in place (repeated tag).</summary>
    DuplicateElement,
    /// <summary>Replace the Transfer Syntax UID by a wrong, unsupported or malformed one.</summary>
    BadTransferSyntax,
    /// <summary>Damage an encapsulated pixel data item: odd, zero or huge fragment lengths, offset table entries, lost delimiter.</summary>
    DamageFragment,
    /// <summary>Flip bytes inside a compressed fragment: RLE header and segments, JPEG markers and entropy-coded data.</summary>
    DamageCodecStream,
    /// <summary>Overwrite an image or geometry attribute's value (Rows, Bits Allocated, Number of Frames, Pixel Spacing…) with a boundary value.</summary>
    SetValue,
    /// <summary>Insert bytes.</summary>
    InsertBytes,
    /// <summary>Delete bytes.</summary>
    DeleteBytes,
}
