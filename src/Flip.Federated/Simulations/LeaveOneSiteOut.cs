namespace Flip.Federated.Simulations;

/// <summary>
/// Leave-one-site-out: for each site, train the federation on the other sites and test the final
/// global model on the one left out — how well the model generalises to a hospital it never saw.
/// </summary>
public static class LeaveOneSiteOut
{
    /// <summary>Runs one fold per site, each with fresh sites and a fresh strategy.</summary>
    /// <param name="createSites">Builds the sites anew (site state must not carry over between folds); the same ids and order each time.</param>
    /// <param name="createStrategy">Builds the strategy anew (it may keep server state).</param>
    /// <param name="options">The simulation options of every fold (same seed: folds differ only by the site left out).</param>
    /// <param name="initial">The initial global parameters.</param>
    /// <param name="ct">Cancels the folds.</param>
    /// <returns>One result per site, in site order.</returns>
    public static async Task<IReadOnlyList<LeaveOneSiteOutResult>> RunAsync(
        Func<IReadOnlyList<Site>> createSites,
        Func<Strategies.Strategy> createStrategy,
        SimulationOptions options,
        ParameterSet initial,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(createSites);
        ArgumentNullException.ThrowIfNull(createStrategy);
        ArgumentNullException.ThrowIfNull(options);
        int count = createSites().Count;
        var results = new List<LeaveOneSiteOutResult>(count);
        for (int heldOut = 0; heldOut < count; heldOut++)
        {
            var sites = createSites();
            var training = sites.Where((_, i) => i != heldOut).ToList();
            var run = await new Simulation(training, createStrategy(), options).RunAsync(initial, ct: ct).ConfigureAwait(false);
            var evaluation = await sites[heldOut].EvaluateAsync(run.FinalParameters, new EvaluateConfig { Round = run.RoundsCompleted, Seed = Seeds.Derive(options.Seed, heldOut, 5) }, ct).ConfigureAwait(false);
            results.Add(new LeaveOneSiteOutResult(sites[heldOut].Id, run, evaluation));
        }

        return results;
    }
}
