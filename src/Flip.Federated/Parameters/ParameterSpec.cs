using System.Collections.Immutable;
using System.Globalization;

namespace Flip.Federated;

/// <summary>The name, element type and shape of one <see cref="ParameterArray"/>: what two sites must agree on.</summary>
public sealed class ParameterSpec : IEquatable<ParameterSpec>
{
    /// <summary>Creates a spec.</summary>
    /// <param name="name">The array's key, e.g. <c>decoder.2.weight</c>.</param>
    /// <param name="dataType">The element type.</param>
    /// <param name="shape">The dimensions; empty for a scalar.</param>
    /// <exception cref="ArgumentException">The name is empty or a dimension is negative.</exception>
    public ParameterSpec(string name, ParameterDataType dataType, ImmutableArray<int> shape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (shape.IsDefault)
        {
            shape = [];
        }

        long length = 1;
        foreach (int dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Parameter `{name}` has a negative dimension in shape {FormatShape(shape)}.", nameof(shape));
            }

            length *= dimension;
            if (length > Array.MaxLength)
            {
                throw new ArgumentException($"Parameter `{name}` with shape {FormatShape(shape)} has more elements than an array can hold.", nameof(shape));
            }
        }

        Name = name;
        DataType = dataType;
        Shape = shape;
        Length = (int)length;
    }

    /// <summary>The array's key, e.g. <c>decoder.2.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public ParameterDataType DataType { get; }

    /// <summary>The dimensions, outermost first; empty for a scalar.</summary>
    public ImmutableArray<int> Shape { get; }

    /// <summary>The number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public int Length { get; }

    /// <summary>Whether the elements are floating point (and so take part in arithmetic).</summary>
    public bool IsFloatingPoint => DataType is ParameterDataType.Float32 or ParameterDataType.Float64;

    /// <summary>The shape as PyTorch prints it in an error: <c>[32,16,3,3,3]</c>.</summary>
    public string ShapeText => FormatShape(Shape);

    /// <summary>Formats a shape as <c>[32,16,3,3,3]</c>.</summary>
    /// <param name="shape">The dimensions.</param>
    /// <returns>The bracketed, comma-separated dimensions.</returns>
    public static string FormatShape(ImmutableArray<int> shape)
        => "[" + string.Join(',', shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <inheritdoc/>
    public bool Equals(ParameterSpec? other)
        => other is not null && Name == other.Name && DataType == other.DataType && Shape.AsSpan().SequenceEqual(other.Shape.AsSpan());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ParameterSpec);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name, StringComparer.Ordinal);
        hash.Add(DataType);
        foreach (int dimension in Shape)
        {
            hash.Add(dimension);
        }

        return hash.ToHashCode();
    }

    /// <summary>The spec as <c>name float32 [32,16,3,3,3]</c>.</summary>
    /// <returns>One line.</returns>
    public override string ToString() => $"{Name} {DataType.ToString().ToLowerInvariant()} {ShapeText}";
}
