using System.Collections.Immutable;
using System.Globalization;

namespace Flip.Flower.Records;

/// <summary>
/// One value of a <see cref="ConfigRecord"/> or <see cref="MetricRecord"/>, keeping its Flower type:
/// <c>sint64</c> and <c>uint64</c> stay apart from <c>double</c>, lists stay lists.
/// </summary>
/// <remarks>
/// Flower maps Python <c>int</c> to <c>sint64</c> (to <c>uint64</c> above 2^63 − 1), <c>float</c>
/// to <c>double</c>; metrics allow only numbers and number lists (flower-protocol.md (b)).
/// </remarks>
public sealed class RecordValue
{
    private readonly object _value;

    private RecordValue(RecordValueKind kind, object value)
    {
        Kind = kind;
        _value = value;
    }

    /// <summary>The Flower type.</summary>
    public RecordValueKind Kind { get; }

    /// <summary>Whether this value may appear in a <see cref="MetricRecord"/> (numbers and number lists).</summary>
    public bool IsMetric => Kind is RecordValueKind.Double or RecordValueKind.SInt64 or RecordValueKind.UInt64
        or RecordValueKind.DoubleList or RecordValueKind.SIntList or RecordValueKind.UIntList;

    /// <summary>A <c>double</c> value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The record value.</returns>
    public static RecordValue Of(double value) => new(RecordValueKind.Double, value);

    /// <summary>A <c>sint64</c> value (Flower's type for a Python <c>int</c>).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The record value.</returns>
    public static RecordValue Of(long value) => new(RecordValueKind.SInt64, value);

    /// <summary>A <c>uint64</c> value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The record value.</returns>
    public static RecordValue Of(ulong value) => new(RecordValueKind.UInt64, value);

    /// <summary>A <c>bool</c> value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The record value.</returns>
    public static RecordValue Of(bool value) => new(RecordValueKind.Bool, value);

    /// <summary>A <c>string</c> value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The record value.</returns>
    public static RecordValue Of(string value) => new(RecordValueKind.String, value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>A <c>bytes</c> value (copied).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The record value.</returns>
    public static RecordValue Of(ReadOnlySpan<byte> value) => new(RecordValueKind.Bytes, value.ToArray().ToImmutableArray());

    /// <summary>A <c>double_list</c> value.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The record value.</returns>
    public static RecordValue OfList(IEnumerable<double> values) => new(RecordValueKind.DoubleList, values.ToImmutableArray());

    /// <summary>A <c>sint_list</c> value.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The record value.</returns>
    public static RecordValue OfList(IEnumerable<long> values) => new(RecordValueKind.SIntList, values.ToImmutableArray());

    /// <summary>A <c>uint_list</c> value.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The record value.</returns>
    public static RecordValue OfList(IEnumerable<ulong> values) => new(RecordValueKind.UIntList, values.ToImmutableArray());

    /// <summary>A <c>bool_list</c> value.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The record value.</returns>
    public static RecordValue OfList(IEnumerable<bool> values) => new(RecordValueKind.BoolList, values.ToImmutableArray());

    /// <summary>A <c>string_list</c> value.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The record value.</returns>
    public static RecordValue OfList(IEnumerable<string> values) => new(RecordValueKind.StringList, values.ToImmutableArray());

    /// <summary>A <c>bytes_list</c> value.</summary>
    /// <param name="values">The values (copied).</param>
    /// <returns>The record value.</returns>
    public static RecordValue OfList(IEnumerable<byte[]> values) =>
        new(RecordValueKind.BytesList, values.Select(v => v.ToImmutableArray()).ToImmutableArray());

    /// <summary>The <c>double</c> value.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="InvalidOperationException">The value has another kind.</exception>
    public double AsDouble() => Get<double>(RecordValueKind.Double);

    /// <summary>The <c>sint64</c> value.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="InvalidOperationException">The value has another kind.</exception>
    public long AsInt64() => Get<long>(RecordValueKind.SInt64);

    /// <summary>The <c>uint64</c> value.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="InvalidOperationException">The value has another kind.</exception>
    public ulong AsUInt64() => Get<ulong>(RecordValueKind.UInt64);

    /// <summary>The <c>bool</c> value.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="InvalidOperationException">The value has another kind.</exception>
    public bool AsBoolean() => Get<bool>(RecordValueKind.Bool);

    /// <summary>The <c>string</c> value.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="InvalidOperationException">The value has another kind.</exception>
    public string AsString() => Get<string>(RecordValueKind.String);

    /// <summary>The <c>bytes</c> value.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="InvalidOperationException">The value has another kind.</exception>
    public ImmutableArray<byte> AsBytes() => Get<ImmutableArray<byte>>(RecordValueKind.Bytes);

    /// <summary>The <c>double_list</c> value.</summary>
    /// <returns>The values.</returns>
    /// <exception cref="InvalidOperationException">The value has another kind.</exception>
    public ImmutableArray<double> AsDoubleList() => Get<ImmutableArray<double>>(RecordValueKind.DoubleList);

    /// <summary>The <c>sint_list</c> value.</summary>
    /// <returns>The values.</returns>
    /// <exception cref="InvalidOperationException">The value has another kind.</exception>
    public ImmutableArray<long> AsInt64List() => Get<ImmutableArray<long>>(RecordValueKind.SIntList);

    /// <summary>The <c>uint_list</c> value.</summary>
    /// <returns>The values.</returns>
    /// <exception cref="InvalidOperationException">The value has another kind.</exception>
    public ImmutableArray<ulong> AsUInt64List() => Get<ImmutableArray<ulong>>(RecordValueKind.UIntList);

    /// <summary>The <c>bool_list</c> value.</summary>
    /// <returns>The values.</returns>
    /// <exception cref="InvalidOperationException">The value has another kind.</exception>
    public ImmutableArray<bool> AsBooleanList() => Get<ImmutableArray<bool>>(RecordValueKind.BoolList);

    /// <summary>The <c>string_list</c> value.</summary>
    /// <returns>The values.</returns>
    /// <exception cref="InvalidOperationException">The value has another kind.</exception>
    public ImmutableArray<string> AsStringList() => Get<ImmutableArray<string>>(RecordValueKind.StringList);

    /// <summary>The <c>bytes_list</c> value.</summary>
    /// <returns>The values.</returns>
    /// <exception cref="InvalidOperationException">The value has another kind.</exception>
    public ImmutableArray<ImmutableArray<byte>> AsBytesList() => Get<ImmutableArray<ImmutableArray<byte>>>(RecordValueKind.BytesList);

    /// <summary>Any scalar number as a double (a Python peer may send <c>1</c> where <c>1.0</c> was meant).</summary>
    /// <returns>The value.</returns>
    /// <exception cref="InvalidOperationException">The value is not a scalar number.</exception>
    public double ToDouble() => Kind switch
    {
        RecordValueKind.Double => (double)_value,
        RecordValueKind.SInt64 => (long)_value,
        RecordValueKind.UInt64 => (ulong)_value,
        _ => throw new InvalidOperationException($"A {Kind} value is not a number."),
    };

    /// <summary>The value as Python would print it, for logs of configuration (never used for arrays).</summary>
    /// <returns>Text such as <c>0.01</c>, <c>2</c> or <c>"site-a"</c>.</returns>
    public override string ToString() => Kind switch
    {
        RecordValueKind.Double => ((double)_value).ToString("R", CultureInfo.InvariantCulture),
        RecordValueKind.SInt64 => ((long)_value).ToString(CultureInfo.InvariantCulture),
        RecordValueKind.UInt64 => ((ulong)_value).ToString(CultureInfo.InvariantCulture),
        RecordValueKind.Bool => (bool)_value ? "True" : "False",
        RecordValueKind.String => $"\"{_value}\"",
        RecordValueKind.Bytes => $"<{AsBytes().Length} bytes>",
        _ => $"<{Kind}>",
    };

    private T Get<T>(RecordValueKind kind) =>
        Kind == kind ? (T)_value : throw new InvalidOperationException($"The value is a {Kind}, not a {kind}.");
}
