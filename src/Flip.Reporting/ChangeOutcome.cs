namespace Flip.Reporting;

/// <summary>What joining the federation did for one site, compared with training on its own data alone.</summary>
public enum ChangeOutcome
{
    /// <summary>The federated model is better at this site by more than the tolerance.</summary>
    Gains,

    /// <summary>The difference is within the tolerance.</summary>
    Unchanged,

    /// <summary>The federated model is worse at this site by more than the tolerance.</summary>
    Loses,
}
