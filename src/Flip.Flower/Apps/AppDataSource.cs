namespace Flip.Flower.Apps;

/// <summary>Where a node's data comes from under an app contract.</summary>
public enum AppDataSource
{
    /// <summary>A hospital manifest when the node is given one, else a FLIP-6 hospital of the synthetic cohort.</summary>
    Any,

    /// <summary>A hospital manifest (<c>client --manifest</c>) only.</summary>
    Manifest,

    /// <summary>A FLIP-6 hospital of the synthetic cohort only.</summary>
    Flip6,
}
