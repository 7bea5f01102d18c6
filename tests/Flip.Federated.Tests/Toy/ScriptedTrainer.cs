namespace Flip.Federated.Tests.Toy;

/// <summary>A trainer whose replies a test scripts, recording what it was given.</summary>
internal sealed class ScriptedTrainer(Func<ParameterSet, TrainConfig, SiteUpdate> train) : ISiteTrainer
{
    public List<(ParameterSet Parameters, TrainConfig Config, SiteState State)> TrainCalls { get; } = [];

    public List<ParameterSet> EvaluateCalls { get; } = [];

    public Task<SiteUpdate> TrainAsync(ParameterSet global, TrainConfig config, SiteState state, CancellationToken ct)
    {
        TrainCalls.Add((global, config, state));
        return Task.FromResult(train(global, config));
    }

    public Task<SiteEvaluation> EvaluateAsync(ParameterSet global, EvaluateConfig config, SiteState state, CancellationToken ct)
    {
        EvaluateCalls.Add(global);
        return Task.FromResult(new SiteEvaluation(1, MetricSet.Of((MetricNames.Loss, 0))));
    }

    public SiteSummary Describe() => new(1, 1, new Dictionary<string, long>());
}
