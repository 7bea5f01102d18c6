using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Flip.Flower.Records;

/// <summary>A message's content: named records in order (Flower's <c>RecordDict</c>).</summary>
public sealed class RecordDict : IEnumerable<KeyValuePair<string, FlowerRecord>>
{
    private readonly OrderedDictionary<string, FlowerRecord> _items = new(StringComparer.Ordinal);

    /// <summary>Number of records.</summary>
    public int Count => _items.Count;

    /// <summary>The record names in order.</summary>
    public IEnumerable<string> Keys => _items.Keys;

    /// <summary>Gets a record, replaces it in place, or appends a new one.</summary>
    /// <param name="key">The record name.</param>
    /// <returns>The record.</returns>
    /// <exception cref="KeyNotFoundException">No record has that name (get).</exception>
    public FlowerRecord this[string key]
    {
        get => _items.TryGetValue(key, out FlowerRecord? r) ? r : throw new KeyNotFoundException($"The RecordDict has no record '{key}'; it has: {string.Join(", ", _items.Keys)}.");
        set => _items[key ?? throw new ArgumentNullException(nameof(key))] = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Appends a record.</summary>
    /// <param name="key">The record name, unique.</param>
    /// <param name="record">The record.</param>
    public void Add(string key, FlowerRecord record)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(record);
        _items.Add(key, record);
    }

    /// <summary>Looks up a record of a given kind.</summary>
    /// <typeparam name="TRecord">The record kind.</typeparam>
    /// <param name="key">The record name.</param>
    /// <param name="record">The record when found with that kind.</param>
    /// <returns>Whether a record of that name and kind exists.</returns>
    public bool TryGet<TRecord>(string key, [NotNullWhen(true)] out TRecord? record)
        where TRecord : FlowerRecord
    {
        record = _items.TryGetValue(key, out FlowerRecord? r) ? r as TRecord : null;
        return record is not null;
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, FlowerRecord>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
