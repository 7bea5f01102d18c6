using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Flip.Federated;

/// <summary>
/// What travels between a site and the server: an ordered set of named arrays with element types
/// and shapes, like a PyTorch <c>state_dict</c> but owned by no framework. Immutable.
/// </summary>
/// <remarks>
/// Flower's <c>ArrayRecord</c> is the model. Arithmetic lives in <see cref="ParameterMath"/>, which
/// checks layouts first and names the first key that differs.
/// </remarks>
public sealed class ParameterSet : IReadOnlyList<ParameterArray>
{
    private readonly ParameterArray[] _arrays;
    private readonly Dictionary<string, int> _index;
    private ParameterLayout? _layout;

    private ParameterSet(ParameterArray[] arrays)
    {
        _arrays = arrays;
        _index = new Dictionary<string, int>(arrays.Length, StringComparer.Ordinal);
        for (int i = 0; i < arrays.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(arrays[i]);
            if (!_index.TryAdd(arrays[i].Name, i))
            {
                throw new ArgumentException($"Parameter `{arrays[i].Name}` appears twice; names in a parameter set must be unique.", nameof(arrays));
            }
        }
    }

    /// <summary>The set with no arrays.</summary>
    public static ParameterSet Empty { get; } = new([]);

    /// <summary>Creates a set from arrays in order.</summary>
    /// <param name="arrays">The arrays; names must be unique.</param>
    /// <returns>The set.</returns>
    /// <exception cref="ArgumentException">A name appears twice.</exception>
    public static ParameterSet Create(IEnumerable<ParameterArray> arrays)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        return new([.. arrays]);
    }

    /// <summary>Creates a set from arrays in order.</summary>
    /// <param name="arrays">The arrays; names must be unique.</param>
    /// <returns>The set.</returns>
    public static ParameterSet Create(params ParameterArray[] arrays) => Create((IEnumerable<ParameterArray>)arrays);

    /// <summary>Creates a set of zeros with a layout.</summary>
    /// <param name="layout">Names, element types and shapes.</param>
    /// <returns>The set.</returns>
    public static ParameterSet Zeros(ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return new([.. layout.Select(ParameterArray.Zeros)]);
    }

    /// <inheritdoc/>
    public int Count => _arrays.Length;

    /// <inheritdoc/>
    public ParameterArray this[int index] => _arrays[index];

    /// <summary>The array with a name.</summary>
    /// <param name="name">The key.</param>
    /// <exception cref="KeyNotFoundException">No array has that name.</exception>
    public ParameterArray this[string name]
        => TryGet(name, out var array) ? array : throw new KeyNotFoundException($"The parameter set has no array `{name}`.");

    /// <summary>Looks an array up by name.</summary>
    /// <param name="name">The key.</param>
    /// <param name="array">The array, when found.</param>
    /// <returns>Whether it was found.</returns>
    public bool TryGet(string name, [NotNullWhen(true)] out ParameterArray? array)
    {
        if (_index.TryGetValue(name, out int i))
        {
            array = _arrays[i];
            return true;
        }

        array = null;
        return false;
    }

    /// <summary>Whether an array has this name.</summary>
    /// <param name="name">The key.</param>
    /// <returns><see langword="true"/> when present.</returns>
    public bool Contains(string name) => _index.ContainsKey(name);

    /// <summary>Names, element types and shapes, in order; equal layouts are compatible.</summary>
    public ParameterLayout Layout => _layout ??= new ParameterLayout(_arrays.Select(a => a.Spec));

    /// <summary>The names in order.</summary>
    public IEnumerable<string> Names => _arrays.Select(a => a.Name);

    /// <summary>The total number of elements over all arrays.</summary>
    public long ElementCount => _arrays.Sum(a => (long)a.Length);

    /// <summary>The arrays that pass a filter, in order (e.g. FedBN keeps normalisation layers local).</summary>
    /// <param name="keep">Whether to keep an array.</param>
    /// <returns>A new set sharing the (immutable) arrays.</returns>
    public ParameterSet Where(Func<ParameterArray, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        return new([.. _arrays.Where(keep)]);
    }

    /// <summary>
    /// This set with some arrays replaced by those of the same name in <paramref name="replacements"/>;
    /// names this set does not have are ignored, the order is this set's.
    /// </summary>
    /// <param name="replacements">Arrays to put in place of this set's arrays of the same name.</param>
    /// <returns>A new set.</returns>
    /// <exception cref="ParameterLayoutException">A replacement has another element type or shape.</exception>
    public ParameterSet Replace(ParameterSet replacements)
    {
        ArgumentNullException.ThrowIfNull(replacements);
        if (replacements.Count == 0)
        {
            return this;
        }

        var result = (ParameterArray[])_arrays.Clone();
        for (int i = 0; i < result.Length; i++)
        {
            if (replacements.TryGet(result[i].Name, out var replacement))
            {
                if (!replacement.Spec.Equals(result[i].Spec))
                {
                    throw ParameterLayoutException.Mismatch(
                        $"The kept copy of `{replacement.Name}` is {replacement.Spec.ShapeText} {replacement.DataType.ToString().ToLowerInvariant()}, the model has {result[i].Spec.ShapeText} {result[i].DataType.ToString().ToLowerInvariant()}.");
                }

                result[i] = replacement;
            }
        }

        return new(result);
    }

    /// <summary>Whether both sets have the same layout and bit-identical values.</summary>
    /// <param name="other">The other set.</param>
    /// <returns><see langword="true"/> when everything agrees.</returns>
    public bool ContentEquals(ParameterSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count != Count)
        {
            return false;
        }

        for (int i = 0; i < _arrays.Length; i++)
        {
            if (!_arrays[i].ContentEquals(other._arrays[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public IEnumerator<ParameterArray> GetEnumerator() => ((IEnumerable<ParameterArray>)_arrays).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>A short description: array and element counts.</summary>
    /// <returns>One line.</returns>
    public override string ToString() => $"ParameterSet({Count} arrays, {ElementCount} elements)";
}
