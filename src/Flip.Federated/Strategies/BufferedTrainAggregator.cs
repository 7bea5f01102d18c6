namespace Flip.Federated.Strategies;

/// <summary>Keeps every reply and calls <see cref="Strategy.AggregateTrain"/> at the end: for strategies that need all updates at once (FedMedian, TrimmedMean, Krum, SCAFFOLD, FedBN, differential privacy).</summary>
/// <param name="strategy">The strategy.</param>
/// <param name="round">The round.</param>
/// <param name="global">The global model the sites started from.</param>
public sealed class BufferedTrainAggregator(Strategy strategy, RoundContext round, ParameterSet global) : TrainAggregator
{
    private readonly List<TrainReply> _replies = [];

    /// <inheritdoc/>
    public override bool Streams => false;

    /// <inheritdoc/>
    protected override bool AddCore(TrainReply reply)
    {
        _replies.Add(reply);
        return true;
    }

    /// <inheritdoc/>
    protected override ParameterSet FinishCore(IReadOnlyList<SiteFailure> failed)
    {
        ParameterSet result = strategy.AggregateTrain(round, global, new TrainReplies(_replies, failed));
        _replies.Clear();
        return result;
    }
}
