namespace Flip.Datasets.Manifests;

/// <summary>Applies a manifest's <c>splits</c> to a site's patients.</summary>
public static class ManifestSplits
{
    /// <summary>
    /// The split of every patient of a site. Lists: by hospital patient id (a patient in no list is an error).
    /// Ratios: within each class (csPCa or not) the patients are shuffled with the seed and the site id, and
    /// cut at the rounded cumulative ratios, so every split keeps the site's prevalence and each patient is in
    /// exactly one split.
    /// </summary>
    /// <param name="rule">The manifest's splits.</param>
    /// <param name="site">A site of the manifest's cohort.</param>
    /// <returns>Patient key → split name.</returns>
    /// <exception cref="FlipException">Explicit lists leave patients of the site out (counted, named by key).</exception>
    public static IReadOnlyDictionary<string, string> Assign(SplitRule rule, CohortSite site)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(site);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (rule.Lists is { } lists)
        {
            var owner = lists.SelectMany(l => l.Value.Select(id => (Id: id, Split: l.Key))).ToDictionary(x => x.Id, x => x.Split, StringComparer.Ordinal);
            var missing = new List<string>();
            foreach (Patient patient in site.Patients)
            {
                if (owner.TryGetValue(patient.Identity.PatientId, out string? split)) result[patient.Key] = split;
                else missing.Add(patient.Key);
            }

            if (missing.Count > 0)
            {
                throw new FlipException($"site {site.Id}: {missing.Count} patient(s) are in no split list ({string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : string.Empty)}); expected every patient in one list.",
                    ExitCodes.BadInput, "add their patient ids to a list in the manifest's splits, or use ratios.");
            }

            return result;
        }

        var ratios = rule.Ratios!.ToList();
        var random = new Random(unchecked(rule.Seed * 31 + StableHash(site.Id)));
        foreach (var group in site.Patients.GroupBy(p => p.IsCsPca).OrderBy(g => g.Key))
        {
            var members = group.ToList();
            for (int i = members.Count - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (members[i], members[j]) = (members[j], members[i]);
            }

            double cumulative = 0;
            int start = 0;
            for (int s = 0; s < ratios.Count; s++)
            {
                cumulative += ratios[s].Value;
                int end = s == ratios.Count - 1 ? members.Count : (int)Math.Round(members.Count * cumulative, MidpointRounding.AwayFromZero);
                for (int i = start; i < end; i++) result[members[i].Key] = ratios[s].Key;
                start = Math.Max(start, end);
            }
        }

        return result;
    }

    private static int StableHash(string text)
    {
        unchecked
        {
            uint hash = 2166136261;
            foreach (char c in text) hash = (hash ^ c) * 16777619;
            return (int)(hash & 0x7FFFFFFF);
        }
    }
}
