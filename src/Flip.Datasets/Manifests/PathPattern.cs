using System.Text;
using System.Text.RegularExpressions;

namespace Flip.Datasets.Manifests;

/// <summary>
/// A file pattern of a manifest: a path relative to a site's folder with <c>{patient}</c> and <c>{site}</c>
/// placeholders, <c>*</c> (any characters but '/') and <c>?</c> (one character). Matching is case-insensitive.
/// </summary>
internal static class PathPattern
{
    /// <summary>Files (relative paths with '/') matching the pattern for one patient, in ordinal order.</summary>
    public static IReadOnlyList<string> Find(string pattern, string siteId, string patientId, IReadOnlyList<string> files)
    {
        Regex regex = Compile(pattern, siteId, patientId);
        return [.. files.Where(f => regex.IsMatch(f)).Order(StringComparer.Ordinal)];
    }

    /// <summary>The files matching the pattern for any patient: a short list to <see cref="Find"/> in, once per pattern and site.</summary>
    public static IReadOnlyList<string> Candidates(string pattern, string siteId, IReadOnlyList<string> files)
    {
        Regex regex = Compile(pattern, siteId, null);
        return [.. files.Where(f => regex.IsMatch(f))];
    }

    /// <summary>The <c>{patient}</c> values of every file matching the pattern.</summary>
    public static IReadOnlyList<string> Patients(string pattern, string siteId, IReadOnlyList<string> files)
    {
        Regex regex = Compile(pattern, siteId, null);
        return [.. files.Select(f => regex.Match(f)).Where(m => m.Success).Select(m => m.Groups["patient"].Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>Glob match of a whole string, case-insensitive (<c>*</c> any characters, <c>?</c> one).</summary>
    public static bool Glob(string glob, string text)
        => Regex.IsMatch(text, "^" + string.Concat(glob.Select(c => c switch { '*' => ".*", '?' => ".", _ => Regex.Escape(c.ToString()) })) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));

    /// <summary>Every file under a folder as relative paths with '/', except hidden ones (a name starting with '.').</summary>
    public static IReadOnlyList<string> List(string folder)
        => [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Where(f => !f.Split('/').Any(part => part.StartsWith('.'))) // hidden files and folders: .flip-cache, macOS ._ forks
            .Order(StringComparer.Ordinal)];

    private static Regex Compile(string pattern, string siteId, string? patientId)
    {
        var regex = new StringBuilder("^");
        bool capturedPatient = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            if (pattern.AsSpan(i).StartsWith("{patient}"))
            {
                if (patientId is not null) regex.Append(Regex.Escape(patientId));
                else if (capturedPatient) regex.Append(@"\k<patient>");
                else
                {
                    regex.Append("(?<patient>[^/]+?)");
                    capturedPatient = true;
                }

                i += "{patient}".Length - 1;
            }
            else if (pattern.AsSpan(i).StartsWith("{site}"))
            {
                regex.Append(Regex.Escape(siteId));
                i += "{site}".Length - 1;
            }
            else
            {
                regex.Append(pattern[i] switch { '*' => "[^/]*", '?' => "[^/]", _ => Regex.Escape(pattern[i].ToString()) });
            }
        }

        return new Regex(regex.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
