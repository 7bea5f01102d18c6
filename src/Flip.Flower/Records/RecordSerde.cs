using Flip.Flower.Npy;
using Google.Protobuf;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Records;

/// <summary>Conversions between the record types and their protobuf messages (Flower's <c>flwr.common.serde</c>).</summary>
public static class RecordSerde
{
    /// <summary>The protobuf <c>Array</c> of an array: dtype name, shape, <c>numpy.ndarray</c>, NPY bytes.</summary>
    /// <param name="array">The array.</param>
    /// <returns>The protobuf message.</returns>
    public static W.Array ToProto(NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        var proto = new W.Array
        {
            Dtype = array.DType.Name,
            Stype = RecordKeys.NumpyStype,
            Data = UnsafeByteOperations.UnsafeWrap(NpyCodec.Encode(array)),
        };
        proto.Shape.AddRange(array.Shape);
        return proto;
    }

    /// <summary>The array in a protobuf <c>Array</c>; its data is decoded without a copy.</summary>
    /// <param name="proto">The protobuf message.</param>
    /// <param name="name">The item name, for error messages.</param>
    /// <returns>The array.</returns>
    /// <exception cref="FlowerProtocolException">The stype is not <c>numpy.ndarray</c>, or the NPY bytes disagree with dtype/shape.</exception>
    public static NpyArray FromProto(W.Array proto, string name)
    {
        ArgumentNullException.ThrowIfNull(proto);
        if (proto.Stype != RecordKeys.NumpyStype)
        {
            throw FlowerProtocolException.BadMessage("Array", $"'{name}'.stype", $"found '{proto.Stype}'; expected '{RecordKeys.NumpyStype}'");
        }

        NpyArray array = NpyCodec.DecodeShared(proto.Data.Memory);
        if (array.DType.Name != proto.Dtype || !array.Shape.SequenceEqual(proto.Shape))
        {
            throw FlowerProtocolException.BadMessage("Array", $"'{name}'",
                $"dtype/shape fields say {proto.Dtype}[{string.Join(", ", proto.Shape)}] but the NPY data holds {array}");
        }

        return array;
    }

    /// <summary>The protobuf <c>ArrayRecord</c>.</summary>
    /// <param name="record">The record.</param>
    /// <returns>The protobuf message.</returns>
    public static W.ArrayRecord ToProto(ArrayRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var proto = new W.ArrayRecord();
        foreach ((string key, NpyArray value) in record)
        {
            proto.Items.Add(new W.ArrayRecord.Types.Item { Key = key, Value = ToProto(value) });
        }

        return proto;
    }

    /// <summary>The record in a protobuf <c>ArrayRecord</c>.</summary>
    /// <param name="proto">The protobuf message.</param>
    /// <returns>The record.</returns>
    public static ArrayRecord FromProto(W.ArrayRecord proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        var record = new ArrayRecord();
        foreach (W.ArrayRecord.Types.Item item in proto.Items)
        {
            Once(record.ContainsKey(item.Key), "ArrayRecord", item.Key);
            record.Add(item.Key, FromProto(item.Value ?? new W.Array(), item.Key));
        }

        return record;
    }

    /// <summary>The protobuf <c>ConfigRecord</c>.</summary>
    /// <param name="record">The record.</param>
    /// <returns>The protobuf message.</returns>
    public static W.ConfigRecord ToProto(ConfigRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var proto = new W.ConfigRecord();
        foreach ((string key, RecordValue value) in record)
        {
            proto.Items.Add(new W.ConfigRecord.Types.Item { Key = key, Value = ToConfigValue(value) });
        }

        return proto;
    }

    /// <summary>The record in a protobuf <c>ConfigRecord</c>.</summary>
    /// <param name="proto">The protobuf message.</param>
    /// <returns>The record.</returns>
    /// <exception cref="FlowerProtocolException">An item has no value.</exception>
    public static ConfigRecord FromProto(W.ConfigRecord proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        var record = new ConfigRecord();
        foreach (W.ConfigRecord.Types.Item item in proto.Items)
        {
            Once(record.ContainsKey(item.Key), "ConfigRecord", item.Key);
            record.Add(item.Key, FromConfigValue(item.Value ?? new W.ConfigRecordValue(), item.Key));
        }

        return record;
    }

    /// <summary>The protobuf <c>MetricRecord</c>.</summary>
    /// <param name="record">The record.</param>
    /// <returns>The protobuf message.</returns>
    public static W.MetricRecord ToProto(MetricRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var proto = new W.MetricRecord();
        foreach ((string key, RecordValue value) in record)
        {
            proto.Items.Add(new W.MetricRecord.Types.Item { Key = key, Value = ToMetricValue(value) });
        }

        return proto;
    }

    /// <summary>The record in a protobuf <c>MetricRecord</c>.</summary>
    /// <param name="proto">The protobuf message.</param>
    /// <returns>The record.</returns>
    /// <exception cref="FlowerProtocolException">An item has no value.</exception>
    public static MetricRecord FromProto(W.MetricRecord proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        var record = new MetricRecord();
        foreach (W.MetricRecord.Types.Item item in proto.Items)
        {
            W.MetricRecordValue v = item.Value ?? new W.MetricRecordValue();
            RecordValue value = v.ValueCase switch
            {
                W.MetricRecordValue.ValueOneofCase.Double => RecordValue.Of(v.Double),
                W.MetricRecordValue.ValueOneofCase.Sint64 => RecordValue.Of(v.Sint64),
                W.MetricRecordValue.ValueOneofCase.Uint64 => RecordValue.Of(v.Uint64),
                W.MetricRecordValue.ValueOneofCase.DoubleList => RecordValue.OfList(v.DoubleList.Vals),
                W.MetricRecordValue.ValueOneofCase.SintList => RecordValue.OfList(v.SintList.Vals),
                W.MetricRecordValue.ValueOneofCase.UintList => RecordValue.OfList(v.UintList.Vals),
                _ => throw FlowerProtocolException.WrongValueType("MetricRecord", item.Key, "value with no member set", "double, sint64, uint64 or a list of those"),
            };
            Once(record.ContainsKey(item.Key), "MetricRecord", item.Key);
            record.Add(item.Key, value);
        }

        return record;
    }

    /// <summary>The protobuf <c>RecordDict</c> with every record inline (the pre-1.19 form, and the vectors' "inline content").</summary>
    /// <param name="content">The content.</param>
    /// <returns>The protobuf message.</returns>
    public static W.RecordDict ToProto(RecordDict content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var proto = new W.RecordDict();
        foreach ((string key, FlowerRecord record) in content)
        {
            var item = new W.RecordDict.Types.Item { Key = key };
            switch (record)
            {
                case ArrayRecord a: item.ArrayRecord = ToProto(a); break;
                case MetricRecord m: item.MetricRecord = ToProto(m); break;
                case ConfigRecord c: item.ConfigRecord = ToProto(c); break;
            }

            proto.Items.Add(item);
        }

        return proto;
    }

    /// <summary>The content in a protobuf <c>RecordDict</c> with inline records.</summary>
    /// <param name="proto">The protobuf message.</param>
    /// <returns>The content.</returns>
    /// <exception cref="FlowerProtocolException">An item holds no record.</exception>
    public static RecordDict FromProto(W.RecordDict proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        var content = new RecordDict();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (W.RecordDict.Types.Item item in proto.Items)
        {
            FlowerRecord record = item.ValueCase switch
            {
                W.RecordDict.Types.Item.ValueOneofCase.ArrayRecord => FromProto(item.ArrayRecord),
                W.RecordDict.Types.Item.ValueOneofCase.MetricRecord => FromProto(item.MetricRecord),
                W.RecordDict.Types.Item.ValueOneofCase.ConfigRecord => FromProto(item.ConfigRecord),
                _ => throw FlowerProtocolException.BadMessage("RecordDict", $"'{item.Key}'", "the item holds no record; expected an ArrayRecord, MetricRecord or ConfigRecord"),
            };
            Once(!seen.Add(item.Key), "RecordDict", item.Key);
            content.Add(item.Key, record);
        }

        return content;
    }

    /// <summary>Refuses a name a peer listed twice: Flower's records are dicts, so it never sends one.</summary>
    private static void Once(bool seen, string type, string key)
    {
        if (seen)
        {
            throw FlowerProtocolException.BadMessage(type, $"'{(key.Length > 40 ? key[..40] + "…" : key)}'", "the name is listed twice; expected each name once");
        }
    }

    internal static W.ConfigRecordValue ToConfigValue(RecordValue value) => value.Kind switch
    {
        RecordValueKind.Double => new W.ConfigRecordValue { Double = value.AsDouble() },
        RecordValueKind.SInt64 => new W.ConfigRecordValue { Sint64 = value.AsInt64() },
        RecordValueKind.UInt64 => new W.ConfigRecordValue { Uint64 = value.AsUInt64() },
        RecordValueKind.Bool => new W.ConfigRecordValue { Bool = value.AsBoolean() },
        RecordValueKind.String => new W.ConfigRecordValue { String = value.AsString() },
        RecordValueKind.Bytes => new W.ConfigRecordValue { Bytes = ByteString.CopyFrom(value.AsBytes().AsSpan()) },
        RecordValueKind.DoubleList => new W.ConfigRecordValue { DoubleList = new W.DoubleList { Vals = { value.AsDoubleList() } } },
        RecordValueKind.SIntList => new W.ConfigRecordValue { SintList = new W.SintList { Vals = { value.AsInt64List() } } },
        RecordValueKind.UIntList => new W.ConfigRecordValue { UintList = new W.UintList { Vals = { value.AsUInt64List() } } },
        RecordValueKind.BoolList => new W.ConfigRecordValue { BoolList = new W.BoolList { Vals = { value.AsBooleanList() } } },
        RecordValueKind.StringList => new W.ConfigRecordValue { StringList = new W.StringList { Vals = { value.AsStringList() } } },
        RecordValueKind.BytesList => new W.ConfigRecordValue { BytesList = new W.BytesList { Vals = { value.AsBytesList().Select(b => ByteString.CopyFrom(b.AsSpan())) } } },
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };

    internal static W.MetricRecordValue ToMetricValue(RecordValue value) => value.Kind switch
    {
        RecordValueKind.Double => new W.MetricRecordValue { Double = value.AsDouble() },
        RecordValueKind.SInt64 => new W.MetricRecordValue { Sint64 = value.AsInt64() },
        RecordValueKind.UInt64 => new W.MetricRecordValue { Uint64 = value.AsUInt64() },
        RecordValueKind.DoubleList => new W.MetricRecordValue { DoubleList = new W.DoubleList { Vals = { value.AsDoubleList() } } },
        RecordValueKind.SIntList => new W.MetricRecordValue { SintList = new W.SintList { Vals = { value.AsInt64List() } } },
        RecordValueKind.UIntList => new W.MetricRecordValue { UintList = new W.UintList { Vals = { value.AsUInt64List() } } },
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };

    internal static RecordValue FromConfigValue(W.ConfigRecordValue v, string key) => v.ValueCase switch
    {
        W.ConfigRecordValue.ValueOneofCase.Double => RecordValue.Of(v.Double),
        W.ConfigRecordValue.ValueOneofCase.Sint64 => RecordValue.Of(v.Sint64),
        W.ConfigRecordValue.ValueOneofCase.Uint64 => RecordValue.Of(v.Uint64),
        W.ConfigRecordValue.ValueOneofCase.Bool => RecordValue.Of(v.Bool),
        W.ConfigRecordValue.ValueOneofCase.String => RecordValue.Of(v.String),
        W.ConfigRecordValue.ValueOneofCase.Bytes => RecordValue.Of(v.Bytes.Span),
        W.ConfigRecordValue.ValueOneofCase.DoubleList => RecordValue.OfList(v.DoubleList.Vals),
        W.ConfigRecordValue.ValueOneofCase.SintList => RecordValue.OfList(v.SintList.Vals),
        W.ConfigRecordValue.ValueOneofCase.UintList => RecordValue.OfList(v.UintList.Vals),
        W.ConfigRecordValue.ValueOneofCase.BoolList => RecordValue.OfList(v.BoolList.Vals),
        W.ConfigRecordValue.ValueOneofCase.StringList => RecordValue.OfList(v.StringList.Vals),
        W.ConfigRecordValue.ValueOneofCase.BytesList => RecordValue.OfList(v.BytesList.Vals.Select(b => b.ToByteArray())),
        _ => throw FlowerProtocolException.WrongValueType("ConfigRecord", key, "value with no member set", "one of Flower's config value types"),
    };
}
