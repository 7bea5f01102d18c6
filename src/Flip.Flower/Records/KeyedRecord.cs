using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Flip.Flower.Records;

/// <summary>
/// A record whose items are named values in insertion order — Flower sends records as lists of
/// items, so the order is part of the content and of the object id.
/// </summary>
/// <typeparam name="TValue">The item type.</typeparam>
public abstract class KeyedRecord<TValue> : FlowerRecord, IEnumerable<KeyValuePair<string, TValue>>
    where TValue : class
{
    private readonly OrderedDictionary<string, TValue> _items = new(StringComparer.Ordinal);

    private protected KeyedRecord()
    {
    }

    /// <inheritdoc/>
    public override int Count => _items.Count;

    /// <summary>The item names in order.</summary>
    public IEnumerable<string> Keys => _items.Keys;

    /// <summary>Gets an item, or replaces it in place (keeping its position), or appends a new one.</summary>
    /// <param name="key">The item name.</param>
    /// <returns>The value.</returns>
    /// <exception cref="KeyNotFoundException">No item has that name (get).</exception>
    public TValue this[string key]
    {
        get => _items.TryGetValue(key, out TValue? v) ? v : throw new KeyNotFoundException($"The record has no item '{key}'; it has: {string.Join(", ", _items.Keys)}.");
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            ArgumentNullException.ThrowIfNull(value);
            Check(key, value);
            _items[key] = value;
        }
    }

    /// <summary>Appends an item.</summary>
    /// <param name="key">The item name, unique in the record.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentException">The name is already used.</exception>
    public void Add(string key, TValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        Check(key, value);
        _items.Add(key, value);
    }

    /// <summary>Whether an item has this name.</summary>
    /// <param name="key">The name.</param>
    /// <returns><see langword="true"/> when present.</returns>
    public bool ContainsKey(string key) => _items.ContainsKey(key);

    /// <summary>Looks an item up by name.</summary>
    /// <param name="key">The name.</param>
    /// <param name="value">The value when found.</param>
    /// <returns>Whether it was found.</returns>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TValue value) => _items.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, TValue>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Checks an item before it is stored.</summary>
    /// <param name="key">The name.</param>
    /// <param name="value">The value.</param>
    private protected virtual void Check(string key, TValue value)
    {
    }
}
