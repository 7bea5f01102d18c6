using Flip.Federated;
using Flip.Flower.Npy;
using Flip.Flower.Records;

namespace Flip.Flower.Fleet;

/// <summary>
/// The server's checks on a node's training reply before anything of it is aggregated: exactly the
/// global model's arrays (names, count), each with the model's dtype (no silent cast) and shape, and
/// only finite values. A reply failing one is recorded as the node's failure for the round, not aggregated.
/// </summary>
public static class UpdateValidator
{
    /// <summary>Checks a reply's arrays and reads them as parameters.</summary>
    /// <param name="arrays">The reply's <c>ArrayRecord</c>.</param>
    /// <param name="layout">The global model's layout.</param>
    /// <param name="parameters">The parameters, when valid.</param>
    /// <param name="problem">Why the reply is refused (no values, only names, dtypes and shapes), when invalid.</param>
    /// <returns>Whether the reply is valid.</returns>
    public static bool TryRead(ArrayRecord arrays, ParameterLayout layout, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ParameterSet? parameters, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        ArgumentNullException.ThrowIfNull(layout);
        parameters = null;
        problem = null;
        if (arrays.Count != layout.Count)
        {
            problem = $"wrong arrays: the update holds {arrays.Count} arrays, the model has {layout.Count}";
            return false;
        }

        foreach (ParameterSpec spec in layout)
        {
            if (!arrays.TryGetValue(spec.Name, out NpyArray? array))
            {
                problem = $"wrong arrays: the update has no array '{spec.Name}'";
                return false;
            }

            NpyDType expected = spec.DataType switch
            {
                ParameterDataType.Float32 => NpyDType.Float32,
                ParameterDataType.Float64 => NpyDType.Float64,
                _ => NpyDType.Int64,
            };
            if (!array.DType.Equals(expected))
            {
                problem = $"wrong dtype: array '{spec.Name}' is {array.DType.Name}, the model's is {expected.Name}";
                return false;
            }

            if (!array.Shape.AsSpan().SequenceEqual(spec.Shape.AsSpan()))
            {
                problem = $"wrong shape: array '{spec.Name}' is [{string.Join(", ", array.Shape)}], the model's is {spec.ShapeText}";
                return false;
            }
        }

        ParameterSet read = arrays.ToParameterSet(layout);
        if (!ParameterMath.AllFinite(read, out string? bad))
        {
            problem = $"non-finite values: array '{bad}' holds NaN or infinity";
            return false;
        }

        parameters = read;
        return true;
    }
}
