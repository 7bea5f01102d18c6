using Flip.Federated.Runs;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;

namespace Flip.Federated.Rounds;

/// <summary>
/// The sites of a federation as the round loop (<see cref="RoundLoop"/>) sees them, as Flower's <c>Grid</c>: who can take
/// part now, send each an instruction, receive the replies by a deadline. How the messages travel is the grid's business:
/// method calls on in-process sites (the simulation), the Fleet API, a Flower SuperLink, or Flower's legacy transport.
/// </summary>
/// <remarks>
/// A grid records every site that does not answer usefully as a <see cref="SiteFailure"/> (dropout, timeout, an error, a
/// malformed reply, or a reply the loop refused) and hands every other reply to the loop as it arrives. Everything a round
/// decides (sampling, seeds, the minimum of sites, aggregation, evaluation, early stopping, checkpoints and resume) is the
/// loop's, written once.
/// </remarks>
public interface ISiteGrid
{
    /// <summary>The sites that can be sent instructions this round, in a stable order; waits until at least <paramref name="minimum"/> are available.</summary>
    /// <param name="round">The round about to start (0 for the initial evaluation).</param>
    /// <param name="minimum">How many sites must be available before the round starts.</param>
    /// <param name="ct">Stops the wait.</param>
    /// <returns>The site ids.</returns>
    /// <exception cref="FlipException">Too few sites became available in the grid's waiting time.</exception>
    Task<IReadOnlyList<SiteId>> SitesAsync(int round, int minimum, CancellationToken ct);

    /// <summary>Sends every train instruction and hands each reply to <paramref name="accept"/>, which returns why it refuses it, or <see langword="null"/>.</summary>
    /// <param name="round">The round.</param>
    /// <param name="global">The global model the sites start from.</param>
    /// <param name="instructions">One per site, round and seed set.</param>
    /// <param name="accept">Takes a reply; a refused reply becomes an <see cref="FailureCategory.InvalidReply"/> failure.</param>
    /// <param name="failures">Receives the step's failures.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>When every site answered, failed or missed the deadline.</returns>
    Task TrainAsync(int round, ParameterSet global, IReadOnlyList<TrainInstruction> instructions, Func<TrainReply, string?> accept, List<SiteFailure> failures, CancellationToken ct);

    /// <summary>Sends every evaluate instruction and hands each reply to <paramref name="accept"/>.</summary>
    /// <param name="round">The round.</param>
    /// <param name="global">The global model to evaluate.</param>
    /// <param name="instructions">One per site, round and seed set.</param>
    /// <param name="accept">Takes a reply.</param>
    /// <param name="failures">Receives the step's failures.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>When every site answered, failed or missed the deadline.</returns>
    Task EvaluateAsync(int round, ParameterSet global, IReadOnlyList<EvaluateInstruction> instructions, Func<EvaluateReply, string?> accept, List<SiteFailure> failures, CancellationToken ct);

    /// <summary>Evaluates the global model on sites that never train (the simulation's pooled test set), after the federated evaluation.</summary>
    /// <param name="round">The round.</param>
    /// <param name="global">The global model.</param>
    /// <param name="metrics">Receives their rows (their own site ids, split <c>test</c>).</param>
    /// <param name="failures">Receives their failures.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>When they are done; none by default.</returns>
    Task EvaluateBesideAsync(int round, ParameterSet global, List<MetricRecord> metrics, List<SiteFailure> failures, CancellationToken ct) => Task.CompletedTask;

    /// <summary>The parameter parts of the sites' own state to store beside a round's checkpoint (FedBN's local layers, SCAFFOLD's cᵢ), where the grid holds them.</summary>
    /// <returns>By site; <see langword="null"/> when the sites keep their state themselves (real nodes).</returns>
    IReadOnlyDictionary<SiteId, ParameterSet>? SiteCheckpoints() => null;

    /// <summary>Restores the sites' own state from a round's checkpoint when a run resumes.</summary>
    /// <param name="store">The run's store.</param>
    /// <param name="round">The round resumed after.</param>
    void RestoreSites(RunStore store, int round)
    {
    }

    /// <summary>Adds what only the grid measured (each site's training time) to a round's report.</summary>
    /// <param name="report">The loop's report.</param>
    /// <returns>The report to publish.</returns>
    RoundReport Describe(RoundReport report) => report;
}

/// <summary>
/// A grid with a train step of its own for secure aggregation (SecAgg+ over the Fleet API: several messages per site, the
/// server holds only masked updates and their sum). The loop calls it instead of <see cref="ISiteGrid.TrainAsync"/> for a
/// strategy that <see cref="SecureAggregation.SecureFedAvg">aggregates securely</see>.
/// </summary>
public interface ISecureAggregationGrid
{
    /// <summary>Runs the secure train step.</summary>
    /// <param name="context">The round.</param>
    /// <param name="global">The global model.</param>
    /// <param name="instructions">The strategy's train instructions, seeds set.</param>
    /// <param name="trainMetrics">Receives each survivor's train metrics.</param>
    /// <param name="failures">Receives the step's failures.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>The next global model (the old one when skipped), how many updates it sums, and whether the round was skipped.</returns>
    Task<(ParameterSet Global, int Aggregated, bool Skipped)> TrainSecurelyAsync(RoundContext context, ParameterSet global, IReadOnlyList<TrainInstruction> instructions,
        Dictionary<SiteId, MetricSet> trainMetrics, List<SiteFailure> failures, CancellationToken ct);
}
