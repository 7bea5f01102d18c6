namespace Flip;

/// <summary>
/// "Did you mean …?" for every place that names an unknown word (a manifest property, a label
/// column, an experiment-grid key, a notebook parameter, a command-line value): one distance, one
/// rule for "close enough".
/// </summary>
public static class Suggestions
{
    /// <summary>The Levenshtein distance between two words, ignoring case.</summary>
    /// <param name="a">One word.</param>
    /// <param name="b">The other.</param>
    /// <returns>The least number of one-character insertions, deletions and substitutions that turn one into the other.</returns>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>
    /// The candidate a mistyped word most likely meant: the nearest one when it is within
    /// max(2, a third of the word's length) edits, else a candidate the word begins (a shortened
    /// name of at least 4 characters, "fieldStrength" for "fieldStrengthTesla"), else none.
    /// </summary>
    /// <param name="word">What was given.</param>
    /// <param name="candidates">The known words.</param>
    /// <returns>The suggestion, or <see langword="null"/> when nothing is close.</returns>
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(word);
        List<string> list = [.. candidates];
        string? best = list.MinBy(c => Distance(c, word));
        if (best is not null && Distance(best, word) <= Math.Max(2, word.Length / 3))
        {
            return best;
        }

        return word.Length >= 4 ? list.FirstOrDefault(c => c.StartsWith(word, StringComparison.OrdinalIgnoreCase)) : null;
    }
}
