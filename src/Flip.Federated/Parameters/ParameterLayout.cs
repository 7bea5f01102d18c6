using System.Collections;

namespace Flip.Federated;

/// <summary>
/// The names, element types and shapes of a <see cref="ParameterSet"/>, in order. Two sets can be
/// combined arithmetically exactly when their layouts are equal.
/// </summary>
public sealed class ParameterLayout : IReadOnlyList<ParameterSpec>, IEquatable<ParameterLayout>
{
    private readonly ParameterSpec[] _specs;

    /// <summary>Creates a layout from specs in order.</summary>
    /// <param name="specs">The specs; names must be unique.</param>
    /// <exception cref="ArgumentException">A name appears twice.</exception>
    public ParameterLayout(IEnumerable<ParameterSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        _specs = [.. specs];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in _specs)
        {
            if (!seen.Add(spec.Name))
            {
                throw new ArgumentException($"Parameter `{spec.Name}` appears twice; names in a parameter set must be unique.", nameof(specs));
            }
        }
    }

    /// <inheritdoc/>
    public int Count => _specs.Length;

    /// <inheritdoc/>
    public ParameterSpec this[int index] => _specs[index];

    /// <summary>The total number of elements over all arrays.</summary>
    public long ElementCount => _specs.Sum(s => (long)s.Length);

    /// <summary>
    /// Describes the first way <paramref name="actual"/> differs from this (expected) layout, naming
    /// the key and the sender, or returns <see langword="null"/> when they are equal.
    /// </summary>
    /// <param name="actual">The layout that was received.</param>
    /// <param name="sender">Who sent it, e.g. <c>site-4</c>.</param>
    /// <param name="expectedOwner">What the expected layout is, e.g. <c>the global model</c>.</param>
    /// <returns>One sentence, or <see langword="null"/>.</returns>
    public string? DescribeDifference(ParameterLayout actual, string sender, string expectedOwner = "the global model")
    {
        ArgumentNullException.ThrowIfNull(actual);
        var byName = new Dictionary<string, ParameterSpec>(StringComparer.Ordinal);
        foreach (var spec in actual._specs)
        {
            byName[spec.Name] = spec;
        }

        foreach (var expected in _specs)
        {
            if (!byName.TryGetValue(expected.Name, out var got))
            {
                return $"{sender} did not send `{expected.Name}`, which {expectedOwner} has as {expected.ShapeText} {Lower(expected.DataType)}.";
            }

            if (got.DataType != expected.DataType)
            {
                return $"{sender} sent `{expected.Name}` as {Lower(got.DataType)}, {expectedOwner} has {Lower(expected.DataType)}.";
            }

            if (!got.Shape.AsSpan().SequenceEqual(expected.Shape.AsSpan()))
            {
                return $"{sender} sent `{expected.Name}` as {got.ShapeText}, {expectedOwner} has {expected.ShapeText}.";
            }
        }

        var expectedNames = new HashSet<string>(_specs.Select(s => s.Name), StringComparer.Ordinal);
        foreach (var spec in actual._specs)
        {
            if (!expectedNames.Contains(spec.Name))
            {
                return $"{sender} sent `{spec.Name}` ({spec.ShapeText}), which {expectedOwner} does not have.";
            }
        }

        for (int i = 0; i < _specs.Length; i++)
        {
            if (_specs[i].Name != actual._specs[i].Name)
            {
                return $"{sender} sent the arrays in another order: position {i} is `{actual._specs[i].Name}`, {expectedOwner} has `{_specs[i].Name}` there.";
            }
        }

        return null;
    }

    /// <summary>Throws when <paramref name="actual"/> differs from this layout, naming the first differing key and the sender.</summary>
    /// <param name="actual">The layout that was received.</param>
    /// <param name="sender">Who sent it, e.g. <c>site-4</c>.</param>
    /// <param name="expectedOwner">What the expected layout is, e.g. <c>the global model</c>.</param>
    /// <exception cref="ParameterLayoutException">The layouts differ.</exception>
    public void EnsureSame(ParameterLayout actual, string sender, string expectedOwner = "the global model")
    {
        if (ReferenceEquals(this, actual))
        {
            return;
        }

        string? difference = DescribeDifference(actual, sender, expectedOwner);
        if (difference is not null)
        {
            throw ParameterLayoutException.Mismatch(difference);
        }
    }

    /// <inheritdoc/>
    public bool Equals(ParameterLayout? other)
        => other is not null && (ReferenceEquals(this, other) || _specs.AsSpan().SequenceEqual(other._specs));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ParameterLayout);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var spec in _specs)
        {
            hash.Add(spec);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public IEnumerator<ParameterSpec> GetEnumerator() => ((IEnumerable<ParameterSpec>)_specs).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static string Lower(ParameterDataType type) => type.ToString().ToLowerInvariant();
}
