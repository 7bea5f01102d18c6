namespace Flip.Reporting;

/// <summary>Which cell of each numeric column a rendered table marks, to point the eye at the site a model serves worst.</summary>
public enum CellMark
{
    /// <summary>No cell is marked.</summary>
    None,

    /// <summary>The lowest value of each column (the worst site for AUROC, Dice, accuracy), leaving out the pooled row.</summary>
    LowestPerColumn,

    /// <summary>The highest value of each column (the worst site for a loss), leaving out the pooled row.</summary>
    HighestPerColumn,
}
