using Flip.Federated;
using Flip.Federated.Strategies;

namespace Flip.Experiments;

/// <summary>Strategies by their command-line names, configured from <see cref="ExperimentOptions"/>.</summary>
public static class StrategyCatalog
{
    /// <summary>The strategies of the default study: baselines and the three FL strategies it compares.</summary>
    public static IReadOnlyList<string> Default { get; } = ["local-only", "fedavg", "fedprox", "fedbn", "centralised"];

    /// <summary>Every name <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["local-only", "fedavg", "fedavgm", "fedprox", "fedbn", "scaffold", "fedadam", "fedyogi", "fedadagrad", "fedmedian", "trimmed-mean", "krum", "fedavg-ft", "centralised"];

    /// <summary>
    /// FedAvg over SecAgg+ (<c>simulate --secure-aggregation</c>); <see cref="Create"/> accepts it, but it is not in
    /// <see cref="Names"/> because only the in-process simulation runs the protocol (a Fleet server would see the updates).
    /// </summary>
    public const string SecureFedAvg = "fedavg-secagg";

    /// <summary>Creates a strategy with the experiment's local training settings.</summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <param name="options">Local epochs, learning rate, μ.</param>
    /// <returns>The strategy.</returns>
    /// <exception cref="FlipException">The name is unknown.</exception>
    public static Strategy Create(string name, ExperimentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var train = new TrainConfig { LocalEpochs = options.LocalEpochs, LearningRate = options.LearningRate };
        return name switch
        {
            "local-only" => new LocalOnly { TrainConfig = train },
            "fedavg" => new FedAvg { TrainConfig = train },
            "fedavgm" => new FedAvgM { TrainConfig = train },
            "fedprox" => new FedProx { TrainConfig = train, Mu = options.ProximalMu },
            "fedbn" => new FedBN { TrainConfig = train },
            "scaffold" => new Scaffold { TrainConfig = train },
            "fedadam" => new FedAdam { TrainConfig = train },
            "fedyogi" => new FedYogi { TrainConfig = train },
            "fedadagrad" => new FedAdagrad { TrainConfig = train },
            "fedmedian" => new FedMedian { TrainConfig = train },
            "trimmed-mean" => new TrimmedMean { TrainConfig = train },
            "krum" => new Krum { TrainConfig = train },
            "fedavg-ft" => new FedAvgFineTuned { TrainConfig = train },
            "centralised" => new Centralised { TrainConfig = train },
            SecureFedAvg => new Flip.Federated.SecureAggregation.SecureFedAvg { TrainConfig = train },
            _ => throw new FlipException($"unknown strategy '{name}'; expected one of {string.Join(", ", Names)}.", ExitCodes.BadCommandLine),
        };
    }
}
