namespace Flip.Federated.Simulations;

/// <summary>
/// The site × site generalisation matrix: every model (each site's own, the global one) evaluated on
/// every site's held-out data, to see how a hospital's model transfers to the others.
/// </summary>
/// <remarks>
/// In a simulation every site runs in one process, so a site's model can be shown to the others;
/// in a deployment this needs each hospital's consent, as it moves a (site-trained) model.
/// </remarks>
public static class CrossSiteEvaluation
{
    /// <summary>The model each site would use: the global parameters with the site's kept layers (FedBN, local-only) in place.</summary>
    /// <param name="sites">The sites after a run.</param>
    /// <param name="global">The final global parameters.</param>
    /// <returns>One (site id, parameters) pair per site, in site order.</returns>
    public static IReadOnlyList<(string Model, ParameterSet Parameters)> SiteModels(IReadOnlyList<Site> sites, ParameterSet global)
    {
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(global);
        return [.. sites.Select(s => (s.Id.Value, s.State.LocalParameters is { } kept ? global.Replace(kept) : global))];
    }

    /// <summary>Evaluates every model on every site's held-out data.</summary>
    /// <param name="sites">The sites to evaluate on.</param>
    /// <param name="models">The models, by name.</param>
    /// <param name="seed">The seed of evaluation randomness.</param>
    /// <param name="ct">Cancels the evaluations.</param>
    /// <returns>One result per (model, site), models in the given order, sites in site order.</returns>
    public static async Task<IReadOnlyList<CrossSiteResult>> RunAsync(IReadOnlyList<Site> sites, IReadOnlyList<(string Model, ParameterSet Parameters)> models, int seed = 0, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(models);
        var results = new List<CrossSiteResult>(sites.Count * models.Count);
        for (int m = 0; m < models.Count; m++)
        {
            for (int s = 0; s < sites.Count; s++)
            {
                var config = new EvaluateConfig { Seed = Seeds.Derive(seed, m, s) };
                var evaluation = await sites[s].EvaluateAsync(models[m].Parameters, config, ct).ConfigureAwait(false);
                results.Add(new CrossSiteResult(models[m].Model, sites[s].Id, evaluation));
            }
        }

        return results;
    }
}
