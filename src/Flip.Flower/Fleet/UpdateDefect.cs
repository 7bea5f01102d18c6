namespace Flip.Flower.Fleet;

/// <summary>How a <see cref="SyntheticUpdateApp"/> spoils its update, to prove the server refuses it.</summary>
public enum UpdateDefect
{
    /// <summary>A well-formed update.</summary>
    None,

    /// <summary>The first array has its dimensions swapped.</summary>
    WrongShape,

    /// <summary>Every array is float64 instead of float32.</summary>
    WrongDtype,

    /// <summary>One value is NaN and one is +∞.</summary>
    NonFinite,

    /// <summary>An extra array makes the reply larger than the server accepts.</summary>
    Oversize,
}
