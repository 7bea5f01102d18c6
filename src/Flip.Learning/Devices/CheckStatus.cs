namespace Flip.Learning.Devices;

/// <summary>How one environment check went.</summary>
public enum CheckStatus
{
    /// <summary>Fine.</summary>
    Ok,

    /// <summary>Works, but something is missing or slower than it could be.</summary>
    Warn,

    /// <summary>Does not work.</summary>
    Fail,
}
