using System.Globalization;

namespace Flip.Federated.Strategies;

/// <summary>
/// How the server runs a round (Flower's split): configure and aggregate, for train and for
/// evaluate. A strategy sees the sites' replies, never the sites; it does no I/O, reads no clock,
/// and takes randomness only from <see cref="RoundContext.Random"/>.
/// </summary>
/// <remarks>
/// A strategy instance may keep server state between rounds (momentum, optimiser moments, control
/// variates), so use one instance per run. <see cref="ExportState"/> and <see cref="ImportState"/>
/// let the run store checkpoint that state so a resumed run continues exactly.
/// </remarks>
public abstract class Strategy
{
    /// <summary>The strategy's name as it appears in <c>run.json</c> and reports, e.g. <c>fedavg</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The fraction of available sites sampled for training each round.</summary>
    /// <value>1: every site trains every round.</value>
    public double FractionTrain { get; init; } = 1.0;

    /// <summary>The fewest successful training replies with which a round is aggregated; with fewer, <see cref="AggregateTrain"/> throws and the simulation skips or fails the round (<c>SimulationOptions.OnTooFewSites</c>).</summary>
    /// <value>2 (Flower's <c>min_fit_clients</c>).</value>
    public int MinTrainSites { get; init; } = 2;

    /// <summary>The fraction of available sites evaluated each round.</summary>
    /// <value>1: every site is evaluated on its own held-out data every round.</value>
    public double FractionEvaluate { get; init; } = 1.0;

    /// <summary>The training configuration every sampled site receives (the strategy adds its own values).</summary>
    /// <value>One local epoch at learning rate 0.01.</value>
    public TrainConfig TrainConfig { get; init; } = new();

    /// <summary>Threads the aggregation kernel uses.</summary>
    /// <value>1.</value>
    public int AggregationThreads { get; init; } = 1;

    /// <summary>Chooses the sites that train this round and what each should do.</summary>
    /// <param name="round">The round.</param>
    /// <param name="global">The current global parameters.</param>
    /// <returns>One instruction per sampled site, in the order of <see cref="RoundContext.Sites"/>.</returns>
    public virtual IReadOnlyList<TrainInstruction> ConfigureTrain(RoundContext round, ParameterSet global)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(global);
        return [.. Sample(round, FractionTrain, MinTrainSites).Select(site => new TrainInstruction(site, ConfigFor(round, site, global)))];
    }

    /// <summary>The training configuration of one site; strategies add their values with <c>with</c>.</summary>
    /// <param name="round">The round.</param>
    /// <param name="site">The site.</param>
    /// <param name="global">The current global parameters.</param>
    /// <returns>The configuration.</returns>
    protected virtual TrainConfig ConfigFor(RoundContext round, SiteId site, ParameterSet global)
    {
        ArgumentNullException.ThrowIfNull(round);
        return TrainConfig with { Round = round.Round };
    }

    /// <summary>Combines the sites' replies into the next global parameters.</summary>
    /// <param name="round">The round.</param>
    /// <param name="global">The global parameters the sites started from.</param>
    /// <param name="replies">The successful replies and the failures.</param>
    /// <returns>The new global parameters, with the layout of <paramref name="global"/>.</returns>
    /// <exception cref="AggregationException">Too few replies, or the replies cannot be combined.</exception>
    /// <exception cref="ParameterLayoutException">A site sent parameters of another layout.</exception>
    public abstract ParameterSet AggregateTrain(RoundContext round, ParameterSet global, TrainReplies replies);

    /// <summary>
    /// Starts a round's aggregation that takes replies one at a time as they arrive (a server's
    /// streaming path). The default keeps every reply and calls <see cref="AggregateTrain"/> at the end;
    /// FedAvg and the strategies that only post-process its weighted mean (FedProx, FedAvgM, FedAdam,
    /// FedYogi, FedAdagrad) fold each reply into a running sum instead (<see cref="StreamingWeightedMean"/>).
    /// </summary>
    /// <param name="round">The round.</param>
    /// <param name="global">The global parameters the sites started from.</param>
    /// <returns>The aggregator.</returns>
    public virtual TrainAggregator StartTrainAggregation(RoundContext round, ParameterSet global) => new BufferedTrainAggregator(this, round, global);

    /// <summary>Chooses the sites that evaluate this round.</summary>
    /// <param name="round">The round.</param>
    /// <param name="global">The global parameters to evaluate.</param>
    /// <returns>One instruction per site evaluated.</returns>
    public virtual IReadOnlyList<EvaluateInstruction> ConfigureEvaluate(RoundContext round, ParameterSet global)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(global);
        return [.. Sample(round, FractionEvaluate, 1).Select(site => new EvaluateInstruction(site, EvaluateConfigFor(round, site, global)))];
    }

    /// <summary>The evaluation configuration of one site.</summary>
    /// <param name="round">The round.</param>
    /// <param name="site">The site.</param>
    /// <param name="global">The global parameters.</param>
    /// <returns>The configuration.</returns>
    protected virtual EvaluateConfig EvaluateConfigFor(RoundContext round, SiteId site, ParameterSet global)
    {
        ArgumentNullException.ThrowIfNull(round);
        return new EvaluateConfig { Round = round.Round };
    }

    /// <summary>Combines the sites' evaluation metrics: the example-weighted mean of each metric over the sites that reported it.</summary>
    /// <param name="round">The round.</param>
    /// <param name="replies">The evaluation replies.</param>
    /// <returns>The federated metrics.</returns>
    public virtual MetricSet AggregateEvaluate(RoundContext round, EvaluateReplies replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        var sums = new SortedDictionary<string, (double Sum, double Weight)>(StringComparer.Ordinal);
        foreach (var reply in replies.Succeeded)
        {
            double weight = Math.Max(0, reply.Evaluation.ExampleCount);
            foreach (var (name, value) in reply.Evaluation.Metrics)
            {
                var (sum, total) = sums.GetValueOrDefault(name);
                sums[name] = (sum + (weight * value), total + weight);
            }
        }

        return MetricSet.Of([.. sums.Where(p => p.Value.Weight > 0).Select(p => (p.Key, p.Value.Sum / p.Value.Weight))]);
    }

    /// <summary>Every problem with the strategy's options, one sentence each; empty when valid.</summary>
    /// <returns>The problems.</returns>
    public virtual IEnumerable<string> Validate()
    {
        if (!(FractionTrain > 0 && FractionTrain <= 1))
        {
            yield return Invariant($"FractionTrain must be in (0, 1] (got {FractionTrain}).");
        }

        if (!(FractionEvaluate > 0 && FractionEvaluate <= 1))
        {
            yield return Invariant($"FractionEvaluate must be in (0, 1] (got {FractionEvaluate}).");
        }

        if (MinTrainSites < 1)
        {
            yield return Invariant($"MinTrainSites must be ≥ 1 (got {MinTrainSites}).");
        }

        if (AggregationThreads < 1)
        {
            yield return Invariant($"AggregationThreads must be ≥ 1 (got {AggregationThreads}).");
        }

        if (TrainConfig.LocalEpochs < 1)
        {
            yield return Invariant($"TrainConfig.LocalEpochs must be ≥ 1 (got {TrainConfig.LocalEpochs}).");
        }

        if (!(TrainConfig.LearningRate > 0) || !double.IsFinite(TrainConfig.LearningRate))
        {
            yield return Invariant($"TrainConfig.LearningRate must be a finite number > 0 (got {TrainConfig.LearningRate}).");
        }
    }

    /// <summary>The server state to checkpoint (momentum, moments, control variates), or <see langword="null"/> when the strategy keeps none.</summary>
    /// <returns>The state as a parameter set.</returns>
    public virtual ParameterSet? ExportState() => null;

    /// <summary>Restores server state written by <see cref="ExportState"/>.</summary>
    /// <param name="state">The state.</param>
    public virtual void ImportState(ParameterSet state)
    {
    }

    /// <summary>
    /// Samples sites: all when <paramref name="fraction"/> is 1, otherwise ⌈fraction·n⌉ but at least
    /// <paramref name="minimum"/> drawn without replacement from <see cref="RoundContext.Random"/>,
    /// returned in the order of <see cref="RoundContext.Sites"/>.
    /// </summary>
    /// <param name="round">The round.</param>
    /// <param name="fraction">The fraction to sample.</param>
    /// <param name="minimum">The fewest to sample.</param>
    /// <returns>The sampled sites.</returns>
    protected static IReadOnlyList<SiteId> Sample(RoundContext round, double fraction, int minimum)
    {
        ArgumentNullException.ThrowIfNull(round);
        int n = round.Sites.Count;
        int count = fraction >= 1 ? n : Math.Clamp(Math.Max((int)Math.Ceiling(fraction * n), minimum), 0, n);
        if (count >= n)
        {
            return round.Sites;
        }

        var indices = Enumerable.Range(0, n).ToArray();
        for (int i = 0; i < count; i++)
        {
            int j = round.Random.Next(i, n);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }

        return [.. indices.Take(count).Order().Select(i => round.Sites[i])];
    }

    /// <summary>Throws when fewer than <see cref="MinTrainSites"/> sites answered.</summary>
    /// <param name="round">The round.</param>
    /// <param name="replies">The replies.</param>
    /// <exception cref="AggregationException">Too few replies.</exception>
    protected void EnsureEnoughReplies(RoundContext round, TrainReplies replies)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(replies);
        if (replies.Succeeded.Count < Math.Max(1, MinTrainSites))
        {
            throw AggregationException.TooFewSites(round.Round, Name, Math.Max(1, MinTrainSites), [.. replies.Succeeded.Select(r => r.Site)], replies.Failed);
        }
    }

    /// <summary>A reply's full parameters yᵢ, after checking its layout against the global model.</summary>
    /// <param name="global">The global parameters x.</param>
    /// <param name="reply">The reply.</param>
    /// <returns>yᵢ (a difference is added to x).</returns>
    /// <exception cref="ParameterLayoutException">The site sent another layout.</exception>
    protected static ParameterSet FullParameters(ParameterSet global, TrainReply reply)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(reply);
        global.Layout.EnsureSame(reply.Update.Parameters.Layout, reply.Site.Value);
        return reply.Update.Kind == ParameterKind.Full ? reply.Update.Parameters : ParameterMath.Add(global, reply.Update.Parameters, reply.Site.Value);
    }

    /// <summary>A reply's update Δᵢ = yᵢ − x, after checking its layout against the global model.</summary>
    /// <param name="global">The global parameters x.</param>
    /// <param name="reply">The reply.</param>
    /// <returns>Δᵢ.</returns>
    /// <exception cref="ParameterLayoutException">The site sent another layout.</exception>
    protected static ParameterSet Difference(ParameterSet global, TrainReply reply)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(reply);
        global.Layout.EnsureSame(reply.Update.Parameters.Layout, reply.Site.Value);
        return reply.Update.Kind == ParameterKind.Difference ? reply.Update.Parameters : ParameterMath.Subtract(reply.Update.Parameters, global, reply.Site.Value);
    }

    /// <summary>The example-weighted mean of the replies' full parameters (FedAvg's step).</summary>
    /// <param name="round">The round.</param>
    /// <param name="global">The global parameters.</param>
    /// <param name="replies">The replies (at least one).</param>
    /// <returns>Σᵢ nᵢ/n · yᵢ.</returns>
    /// <exception cref="AggregationException">Every site reported 0 examples.</exception>
    protected ParameterSet WeightedAverage(RoundContext round, ParameterSet global, IReadOnlyList<TrainReply> replies)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(replies);
        if (replies.All(r => r.Update.ExampleCount <= 0))
        {
            throw AggregationException.NoExamples(round.Round, [.. replies.Select(r => r.Site)]);
        }

        var full = replies.Select(r => FullParameters(global, r)).ToList();
        return ParameterMath.WeightedMean(
            full,
            [.. replies.Select(r => (double)Math.Max(0, r.Update.ExampleCount))],
            AggregationThreads,
            [.. replies.Select(r => r.Site.Value)],
            global.Layout);
    }

    /// <summary>Formats with the invariant culture (validation messages must not depend on the locale).</summary>
    /// <param name="text">The interpolated text.</param>
    /// <returns>The text.</returns>
    protected static string Invariant(FormattableString text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.ToString(CultureInfo.InvariantCulture);
    }
}
