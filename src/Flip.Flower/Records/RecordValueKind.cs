namespace Flip.Flower.Records;

/// <summary>The Flower type of a config or metric value; the member of <c>ConfigRecordValue</c> / <c>MetricRecordValue</c> it travels in.</summary>
public enum RecordValueKind
{
    /// <summary>64-bit float (<c>double</c>).</summary>
    Double,

    /// <summary>Signed 64-bit integer (<c>sint64</c>), what Flower uses for a Python <c>int</c>.</summary>
    SInt64,

    /// <summary>Unsigned 64-bit integer (<c>uint64</c>), what Flower uses for a Python <c>int</c> above 2^63 − 1.</summary>
    UInt64,

    /// <summary>Boolean (config only).</summary>
    Bool,

    /// <summary>UTF-8 text (config only).</summary>
    String,

    /// <summary>Raw bytes (config only).</summary>
    Bytes,

    /// <summary>List of doubles.</summary>
    DoubleList,

    /// <summary>List of signed 64-bit integers.</summary>
    SIntList,

    /// <summary>List of unsigned 64-bit integers.</summary>
    UIntList,

    /// <summary>List of booleans (config only).</summary>
    BoolList,

    /// <summary>List of strings (config only).</summary>
    StringList,

    /// <summary>List of byte strings (config only).</summary>
    BytesList,
}
