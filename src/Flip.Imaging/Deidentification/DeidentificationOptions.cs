namespace Flip.Imaging.Deidentification;

/// <summary>Settings of the PS3.15 basic-profile de-identifier.</summary>
public sealed record DeidentificationOptions
{
    /// <summary>The secret key of the keyed hash (HMAC-SHA256) that maps UIDs and patient IDs to pseudonyms; keep it at the site.</summary>
    /// <value>Required; at least 16 bytes.</value>
    public required byte[] Key { get; init; }

    /// <summary>When set, dates (DA, DT) are shifted by this amount instead of removed, and times are kept (PS3.15 "Retain Longitudinal Temporal Information with Modified Dates Option").</summary>
    /// <value><see langword="null"/>: dates are removed or emptied as the basic profile says.</value>
    public TimeSpan? DateShift { get; init; }

    /// <summary>Keep patient sex, age, size and weight (PS3.15 "Retain Patient Characteristics Option"); SUV needs the weight.</summary>
    /// <value>false.</value>
    public bool RetainPatientCharacteristics { get; init; }

    /// <summary>Retain Longitudinal Temporal Information with Full Dates Option: dates and times are kept as they are.</summary>
    /// <remarks>Prefer <see cref="DateShift"/> (the Modified Dates option) unless the exact dates are needed.</remarks>
    public bool RetainLongitudinalTemporalInformation { get; init; }

    /// <summary>Retain Device Identity Option: station name, device serial numbers and similar are kept.</summary>
    public bool RetainDeviceIdentity { get; init; }

    /// <summary>Retain Institution Identity Option: institution name, address and department are kept.</summary>
    public bool RetainInstitutionIdentity { get; init; }

    /// <summary>Retain UIDs Option: UIDs are not remapped.</summary>
    public bool RetainUids { get; init; }

    /// <summary>Keep private attributes (odd groups) instead of removing them; only for private data known to carry no identity.</summary>
    public bool KeepPrivateAttributes { get; init; }

    /// <summary>Checks the options.</summary>
    /// <returns>Every problem, not just the first.</returns>
    public IEnumerable<string> Validate()
    {
        if (Key is null || Key.Length < 16) yield return $"Key must have at least 16 bytes (got {Key?.Length ?? 0}).";
        if (DateShift is { } s && s.Ticks % TimeSpan.TicksPerDay != 0) yield return $"DateShift must be whole days (got {s}).";
        if (DateShift is not null && RetainLongitudinalTemporalInformation) yield return "DateShift and RetainLongitudinalTemporalInformation exclude each other (shifted or full dates).";
    }
}
