namespace Flip.Datasets.Samples;

/// <summary>Splits a site's patients into training and held-out test patients.</summary>
public static class PatientSplit
{
    /// <summary>
    /// A stratified split: the same fraction of csPCa-positive and negative patients goes to test,
    /// at least one of each class when the site has two or more of it; grouped by patient by construction.
    /// </summary>
    /// <param name="patients">One site's patients.</param>
    /// <param name="testFraction">Fraction held out for testing, in (0, 1).</param>
    /// <param name="seed">Seed of the shuffle.</param>
    /// <returns>Train and test patients, each in the input's order.</returns>
    public static (IReadOnlyList<Patient> Train, IReadOnlyList<Patient> Test) Stratified(IReadOnlyList<Patient> patients, double testFraction, int seed)
    {
        if (testFraction is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "expected a fraction in (0, 1).");
        }

        var random = new Random(seed);
        var test = new HashSet<Patient>();
        foreach (var group in patients.GroupBy(p => p.IsCsPca))
        {
            var members = group.ToList();
            for (int i = members.Count - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (members[i], members[j]) = (members[j], members[i]);
            }

            int take = members.Count < 2 ? 0 : Math.Clamp((int)Math.Round(members.Count * testFraction), 1, members.Count - 1);
            foreach (Patient p in members.Take(take))
            {
                test.Add(p);
            }
        }

        return (patients.Where(p => !test.Contains(p)).ToList(), patients.Where(test.Contains).ToList());
    }
}
