namespace Flip.Federated.Strategies;

/// <summary>
/// One round's training aggregation fed one reply at a time, as the replies arrive at a server
/// (<see cref="Strategy.StartTrainAggregation"/>). A streaming aggregator folds each update into a
/// running sum and drops it, so memory does not grow with the number of sites; a buffering one keeps
/// the updates for strategies that need all of them at once (median, trimmed mean, Krum).
/// </summary>
public abstract class TrainAggregator
{
    /// <summary>Whether updates are folded in as they arrive (<see langword="true"/>) or kept until <see cref="Finish"/>.</summary>
    public abstract bool Streams { get; }

    /// <summary>Replies added so far.</summary>
    public int Count { get; private set; }

    /// <summary>Site updates this aggregator holds now (0 for a streaming one between calls).</summary>
    public int HeldUpdates { get; private set; }

    /// <summary>The most site updates held at once, counting the one being added.</summary>
    public int PeakHeldUpdates { get; private set; }

    /// <summary>Adds one successful reply.</summary>
    /// <param name="reply">The reply.</param>
    /// <exception cref="ParameterLayoutException">The site sent another layout than the global model's; nothing of it was added.</exception>
    /// <exception cref="InvalidOperationException"><see cref="Finish"/> was called.</exception>
    public void Add(TrainReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (Finished)
        {
            throw new InvalidOperationException("The aggregation is finished; start a new one for the next round.");
        }

        PeakHeldUpdates = Math.Max(PeakHeldUpdates, HeldUpdates + 1);
        bool kept = AddCore(reply);
        Count++;
        HeldUpdates += kept ? 1 : 0;
    }

    /// <summary>Computes the new global model from what was added.</summary>
    /// <param name="failed">The sites that failed this round.</param>
    /// <returns>The new global parameters.</returns>
    /// <exception cref="AggregationException">Too few replies, or none carried examples.</exception>
    public ParameterSet Finish(IReadOnlyList<SiteFailure> failed)
    {
        ArgumentNullException.ThrowIfNull(failed);
        Finished = true;
        ParameterSet result = FinishCore(failed);
        HeldUpdates = 0;
        return result;
    }

    private bool Finished { get; set; }

    /// <summary>Adds a reply.</summary>
    /// <param name="reply">The reply.</param>
    /// <returns>Whether the update is kept (counts toward <see cref="HeldUpdates"/>).</returns>
    protected abstract bool AddCore(TrainReply reply);

    /// <summary>Computes the result.</summary>
    /// <param name="failed">The failures.</param>
    /// <returns>The new global parameters.</returns>
    protected abstract ParameterSet FinishCore(IReadOnlyList<SiteFailure> failed);
}
