namespace Flip.Federated;

/// <summary>The identifier of a site (a hospital) in a federation, e.g. <c>site-4</c>; never a patient identifier.</summary>
public readonly record struct SiteId : IComparable<SiteId>
{
    /// <summary>Creates a site id.</summary>
    /// <param name="value">Letters, digits, <c>-</c>, <c>_</c> or <c>.</c>; not empty.</param>
    /// <exception cref="ArgumentException">The value is empty or has other characters (it lands in file names and CSV).</exception>
    public SiteId(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.')
            {
                throw new ArgumentException($"Site id \"{value}\" has the character '{c}'; use letters, digits, '-', '_' or '.'.", nameof(value));
            }
        }

        Value = value;
    }

    /// <summary>The id text.</summary>
    public string Value { get; }

    /// <summary>Orders site ids by their text (ordinal).</summary>
    /// <param name="other">The other id.</param>
    /// <returns>The ordinal comparison of the texts.</returns>
    public int CompareTo(SiteId other) => string.CompareOrdinal(Value, other.Value);

    /// <summary>The id text.</summary>
    /// <returns><see cref="Value"/>.</returns>
    public override string ToString() => Value ?? string.Empty;

    /// <summary>Converts text to a site id.</summary>
    /// <param name="value">The id text.</param>
    public static implicit operator SiteId(string value) => new(value);
}
