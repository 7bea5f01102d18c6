namespace Flip.Federated.Simulations;

/// <summary>One fold of leave-one-site-out: the federation trained without a site, then tested on it.</summary>
/// <param name="HeldOut">The site left out of training.</param>
/// <param name="Run">The run on the other sites.</param>
/// <param name="HeldOutEvaluation">The final global model on the held-out site's held-out data.</param>
public sealed record LeaveOneSiteOutResult(SiteId HeldOut, RunResult Run, SiteEvaluation HeldOutEvaluation);
