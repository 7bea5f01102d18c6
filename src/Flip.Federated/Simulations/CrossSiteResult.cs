namespace Flip.Federated.Simulations;

/// <summary>One cell of a site × site generalisation matrix: a model evaluated on one site's held-out data.</summary>
/// <param name="Model">Whose model: a site id for a site's own (local) model, or a name such as <c>global</c>.</param>
/// <param name="Site">The site whose held-out data it was evaluated on.</param>
/// <param name="Evaluation">The held-out example count and metrics.</param>
public sealed record CrossSiteResult(string Model, SiteId Site, SiteEvaluation Evaluation);
