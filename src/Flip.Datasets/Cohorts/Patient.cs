namespace Flip.Datasets;

/// <summary>One patient at one site: a pseudonymous key, the label, and a way to load the images.</summary>
/// <remarks>
/// <see cref="Identity"/> holds what a hospital's records hold (name, patient id, birth date). It
/// stays at the site: nothing that leaves a site — parameters, metrics, log lines — may carry it,
/// and the privacy tests search everything that leaves for it.
/// </remarks>
public sealed class Patient
{
    private readonly Func<PatientImages> _load;

    /// <summary>Creates a patient.</summary>
    /// <param name="key">Pseudonymous key, unique within the cohort, e.g. <c>site-2/p0007</c>.</param>
    /// <param name="isupGrade">Highest ISUP grade of any lesion; 0 when there is none.</param>
    /// <param name="identity">The hospital's identifiers (never leave the site).</param>
    /// <param name="load">Loads (or generates) the images.</param>
    public Patient(string key, int isupGrade, PatientIdentity identity, Func<PatientImages> load)
    {
        Key = key;
        IsupGrade = isupGrade;
        Identity = identity;
        _load = load;
    }

    /// <summary>Pseudonymous key, unique within the cohort.</summary>
    public string Key { get; }

    /// <summary>Highest ISUP grade group of any lesion (0 = no lesion, 1–5).</summary>
    public int IsupGrade { get; }

    /// <summary>Clinically significant prostate cancer: ISUP ≥ 2.</summary>
    public bool IsCsPca => IsupGrade >= 2;

    /// <summary>The hospital's identifiers for this patient; they never leave the site.</summary>
    public PatientIdentity Identity { get; }

    /// <summary>Loads the patient's registered channels and masks.</summary>
    /// <returns>New arrays each call.</returns>
    public PatientImages LoadImages() => _load();

    /// <inheritdoc />
    public override string ToString() => Key;
}
