using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Flip.Federated;

/// <summary>Named scalar metrics (<c>loss</c>, <c>auroc</c>, …), ordered by name. Immutable.</summary>
/// <remarks>Names are lower kebab-case constants of <see cref="MetricNames"/>; they land in <c>metrics.csv</c>.</remarks>
public sealed class MetricSet : IReadOnlyDictionary<string, double>
{
    private readonly SortedDictionary<string, double> _values;

    private MetricSet(SortedDictionary<string, double> values) => _values = values;

    /// <summary>No metrics.</summary>
    public static MetricSet Empty { get; } = new(new SortedDictionary<string, double>(StringComparer.Ordinal));

    /// <summary>Creates a metric set from pairs.</summary>
    /// <param name="values">Name and value pairs; a repeated name keeps the last value.</param>
    /// <returns>The set.</returns>
    public static MetricSet Of(params (string Name, double Value)[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var dictionary = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            dictionary[name] = value;
        }

        return new(dictionary);
    }

    /// <summary>Creates a metric set from a dictionary.</summary>
    /// <param name="values">Name to value.</param>
    /// <returns>The set.</returns>
    public static MetricSet From(IEnumerable<KeyValuePair<string, double>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Of([.. values.Select(p => (p.Key, p.Value))]);
    }

    /// <summary>This set with one metric added or replaced.</summary>
    /// <param name="name">The metric name.</param>
    /// <param name="value">The value.</param>
    /// <returns>A new set.</returns>
    public MetricSet With(string name, double value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var dictionary = new SortedDictionary<string, double>(_values, StringComparer.Ordinal) { [name] = value };
        return new(dictionary);
    }

    /// <summary>The value of a metric, or <paramref name="fallback"/> when absent.</summary>
    /// <param name="name">The metric name.</param>
    /// <param name="fallback">What to return when the metric is absent.</param>
    /// <returns>The value.</returns>
    public double GetValueOrDefault(string name, double fallback) => _values.TryGetValue(name, out double v) ? v : fallback;

    /// <inheritdoc/>
    public double this[string key] => _values.TryGetValue(key, out double v) ? v : throw new KeyNotFoundException($"No metric `{key}`; present: {string.Join(", ", _values.Keys)}.");

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _values.Keys;

    /// <inheritdoc/>
    public IEnumerable<double> Values => _values.Values;

    /// <inheritdoc/>
    public int Count => _values.Count;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _values.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out double value) => _values.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, double>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The metrics as <c>name=value</c> pairs.</summary>
    /// <returns>One line.</returns>
    public override string ToString()
        => string.Join(", ", _values.Select(p => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{p.Key}={p.Value:G6}")));
}
