using Flip.Flower.Npy;
using Flip.Flower.Records;
using Google.Protobuf;
using Google.Protobuf.Collections;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Legacy;

/// <summary>Conversions between the legacy transport's messages (<c>Parameters</c>, <c>map&lt;string, Scalar&gt;</c>) and the record types.</summary>
public static class LegacyConversions
{
    /// <summary>The arrays of legacy <c>Parameters</c> (NPY tensors), keyed <c>"0"</c>, <c>"1"</c>, … in order; decoded without copying.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <returns>The arrays.</returns>
    /// <exception cref="FlowerProtocolException">The tensor type is not <c>numpy.ndarray</c>, or a tensor is not NPY.</exception>
    public static ArrayRecord ToArrayRecord(W.Parameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Tensors.Count > 0 && parameters.TensorType != RecordKeys.NumpyStype)
        {
            throw FlowerProtocolException.BadMessage("Parameters", "tensor_type", $"found '{parameters.TensorType}'; expected '{RecordKeys.NumpyStype}'");
        }

        return ArrayRecord.FromList(parameters.Tensors.Select(t => NpyCodec.DecodeShared(t.Memory)));
    }

    /// <summary>Legacy <c>Parameters</c> holding the arrays in record order as NPY bytes.</summary>
    /// <param name="arrays">The arrays.</param>
    /// <returns>The parameters with <c>tensor_type = "numpy.ndarray"</c>.</returns>
    public static W.Parameters ToParameters(ArrayRecord arrays)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        var p = new W.Parameters { TensorType = RecordKeys.NumpyStype };
        foreach ((_, NpyArray a) in arrays)
        {
            p.Tensors.Add(UnsafeByteOperations.UnsafeWrap(NpyCodec.Encode(a)));
        }

        return p;
    }

    /// <summary>A config record holding a legacy <c>map&lt;string, Scalar&gt;</c>, keeping each value's type.</summary>
    /// <param name="map">The map (its order is whatever the sender's runtime used).</param>
    /// <returns>The record.</returns>
    /// <exception cref="FlowerProtocolException">A value has no member set.</exception>
    public static ConfigRecord ToConfigRecord(MapField<string, W.Scalar> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var record = new ConfigRecord();
        foreach ((string key, W.Scalar s) in map)
        {
            record.Add(key, s.ScalarCase switch
            {
                W.Scalar.ScalarOneofCase.Double => RecordValue.Of(s.Double),
                W.Scalar.ScalarOneofCase.Sint64 => RecordValue.Of(s.Sint64),
                W.Scalar.ScalarOneofCase.Uint64 => RecordValue.Of(s.Uint64),
                W.Scalar.ScalarOneofCase.Bool => RecordValue.Of(s.Bool),
                W.Scalar.ScalarOneofCase.String => RecordValue.Of(s.String),
                W.Scalar.ScalarOneofCase.Bytes => RecordValue.Of(s.Bytes.Span),
                _ => throw FlowerProtocolException.WrongValueType("Scalar map", key, "value with no member set", "double, sint64, uint64, bool, string or bytes"),
            });
        }

        return record;
    }

    /// <summary>Adds record values to a legacy scalar map; lists have no legacy form.</summary>
    /// <param name="values">The values in order.</param>
    /// <param name="map">The map to fill.</param>
    /// <param name="skip">Keys to leave out (for example <c>num-examples</c>, which has its own field).</param>
    /// <exception cref="FlowerProtocolException">A value is a list.</exception>
    public static void AddScalars(IEnumerable<KeyValuePair<string, RecordValue>> values, MapField<string, W.Scalar> map, params string[] skip)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(map);
        foreach ((string key, RecordValue v) in values)
        {
            if (skip.Contains(key))
            {
                continue;
            }

            map[key] = v.Kind switch
            {
                RecordValueKind.Double => new W.Scalar { Double = v.AsDouble() },
                RecordValueKind.SInt64 => new W.Scalar { Sint64 = v.AsInt64() },
                RecordValueKind.UInt64 => new W.Scalar { Uint64 = v.AsUInt64() },
                RecordValueKind.Bool => new W.Scalar { Bool = v.AsBoolean() },
                RecordValueKind.String => new W.Scalar { String = v.AsString() },
                RecordValueKind.Bytes => new W.Scalar { Bytes = ByteString.CopyFrom(v.AsBytes().AsSpan()) },
                _ => throw FlowerProtocolException.WrongValueType("legacy Scalar map", key, v.Kind.ToString(), "double, sint64, uint64, bool, string or bytes (the legacy transport has no lists)"),
            };
        }
    }
}
