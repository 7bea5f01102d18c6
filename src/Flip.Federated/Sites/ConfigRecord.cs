using System.Globalization;

namespace Flip.Federated;

/// <summary>
/// The wire form of <see cref="TrainConfig"/> and <see cref="EvaluateConfig"/>: a flat record of
/// scalars and string lists under <see cref="ConfigKeys"/> (Flower's <c>ConfigRecord</c>), so a real
/// node and the server agree on one mapping.
/// </summary>
/// <remarks>
/// Values are <see cref="long"/>, <see cref="double"/>, <see cref="bool"/>, <see cref="string"/> or <see cref="string"/>[].
/// SCAFFOLD's <see cref="TrainConfig.ServerControlVariate"/> is not a config value: it travels as a
/// second array record beside the model. Missing keys take the defaults; integers are accepted
/// where a double is expected.
/// </remarks>
public static class ConfigRecord
{
    /// <summary>The wire form of a training configuration.</summary>
    /// <param name="config">The configuration.</param>
    /// <returns>Key to value.</returns>
    public static IReadOnlyDictionary<string, object> FromTrainConfig(TrainConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var record = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [ConfigKeys.Round] = (long)config.Round,
            [ConfigKeys.LocalEpochs] = (long)config.LocalEpochs,
            [ConfigKeys.LearningRate] = config.LearningRate,
            [ConfigKeys.ProximalMu] = config.ProximalMu,
            [ConfigKeys.Seed] = (long)config.Seed,
            [ConfigKeys.LocalParameters] = config.LocalParameterNames.ToArray(),
            [ConfigKeys.UseControlVariates] = config.UseControlVariates,
            [ConfigKeys.LocalNoiseStandardDeviation] = config.LocalNoiseStandardDeviation,
        };
        if (config.ClippingNorm is double clip)
        {
            record[ConfigKeys.ClippingNorm] = clip;
        }

        if (config.LocalSteps is int steps)
        {
            record[ConfigKeys.LocalSteps] = (long)steps;
        }

        if (config.BatchSize is int batch)
        {
            record[ConfigKeys.BatchSize] = (long)batch;
        }

        return record;
    }

    /// <summary>Reads a training configuration from its wire form.</summary>
    /// <param name="record">Key to value.</param>
    /// <param name="serverControlVariate">SCAFFOLD's c when it came with the model, else <see langword="null"/>.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="ArgumentException">A value has the wrong type; the message names the key.</exception>
    public static TrainConfig ToTrainConfig(IReadOnlyDictionary<string, object> record, ParameterSet? serverControlVariate = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        var defaults = new TrainConfig();
        return new TrainConfig
        {
            Round = (int)Integer(record, ConfigKeys.Round, defaults.Round),
            LocalEpochs = (int)Integer(record, ConfigKeys.LocalEpochs, defaults.LocalEpochs),
            LearningRate = Real(record, ConfigKeys.LearningRate, defaults.LearningRate),
            ProximalMu = Real(record, ConfigKeys.ProximalMu, defaults.ProximalMu),
            Seed = (int)Integer(record, ConfigKeys.Seed, defaults.Seed),
            LocalParameterNames = Names(record, ConfigKeys.LocalParameters),
            UseControlVariates = Flag(record, ConfigKeys.UseControlVariates),
            ServerControlVariate = serverControlVariate,
            ClippingNorm = record.ContainsKey(ConfigKeys.ClippingNorm) ? Real(record, ConfigKeys.ClippingNorm, 0) : null,
            LocalNoiseStandardDeviation = Real(record, ConfigKeys.LocalNoiseStandardDeviation, defaults.LocalNoiseStandardDeviation),
            LocalSteps = Positive(record, ConfigKeys.LocalSteps),
            BatchSize = Positive(record, ConfigKeys.BatchSize),
        };
    }

    /// <summary>The wire form of an evaluation configuration.</summary>
    /// <param name="config">The configuration.</param>
    /// <returns>Key to value.</returns>
    public static IReadOnlyDictionary<string, object> FromEvaluateConfig(EvaluateConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var record = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [ConfigKeys.Round] = (long)config.Round,
            [ConfigKeys.Seed] = (long)config.Seed,
            [ConfigKeys.LocalParameters] = config.LocalParameterNames.ToArray(),
            [ConfigKeys.FineTuneEpochs] = (long)config.FineTuneEpochs,
            [ConfigKeys.FineTuneLearningRate] = config.FineTuneLearningRate,
            [ConfigKeys.BatchNorm] = config.BatchStatistics ? ConfigKeys.BatchNormBatch : ConfigKeys.BatchNormRunning,
        };
        if (config.BatchSize is int batch)
        {
            record[ConfigKeys.BatchSize] = (long)batch;
        }

        return record;
    }

    /// <summary>Reads an evaluation configuration from its wire form.</summary>
    /// <param name="record">Key to value.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="ArgumentException">A value has the wrong type; the message names the key.</exception>
    public static EvaluateConfig ToEvaluateConfig(IReadOnlyDictionary<string, object> record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var defaults = new EvaluateConfig();
        return new EvaluateConfig
        {
            Round = (int)Integer(record, ConfigKeys.Round, defaults.Round),
            Seed = (int)Integer(record, ConfigKeys.Seed, defaults.Seed),
            LocalParameterNames = Names(record, ConfigKeys.LocalParameters),
            FineTuneEpochs = (int)Integer(record, ConfigKeys.FineTuneEpochs, defaults.FineTuneEpochs),
            FineTuneLearningRate = Real(record, ConfigKeys.FineTuneLearningRate, defaults.FineTuneLearningRate),
            BatchSize = Positive(record, ConfigKeys.BatchSize),
            BatchStatistics = BatchNorm(record),
        };
    }

    private static long Integer(IReadOnlyDictionary<string, object> record, string key, long fallback) => record.TryGetValue(key, out var value)
        ? value switch
        {
            long l => l,
            int i => i,
            double d when d == Math.Floor(d) && Math.Abs(d) < 1e15 => (long)d,
            _ => throw WrongType(key, value, "an integer"),
        }
        : fallback;

    private static int? Positive(IReadOnlyDictionary<string, object> record, string key)
    {
        if (!record.ContainsKey(key))
        {
            return null;
        }

        long value = Integer(record, key, 0);
        return value is >= 1 and <= int.MaxValue ? (int)value : throw WrongType(key, value, "a whole number ≥ 1");
    }

    private static bool BatchNorm(IReadOnlyDictionary<string, object> record) => record.TryGetValue(ConfigKeys.BatchNorm, out var value) && value switch
    {
        ConfigKeys.BatchNormBatch => true,
        ConfigKeys.BatchNormRunning => false,
        _ => throw WrongType(ConfigKeys.BatchNorm, value, $"\"{ConfigKeys.BatchNormBatch}\" or \"{ConfigKeys.BatchNormRunning}\""),
    };

    private static double Real(IReadOnlyDictionary<string, object> record, string key, double fallback) => record.TryGetValue(key, out var value)
        ? value switch
        {
            double d => d,
            float f => f,
            long l => l,
            int i => i,
            _ => throw WrongType(key, value, "a number"),
        }
        : fallback;

    private static bool Flag(IReadOnlyDictionary<string, object> record, string key) => record.TryGetValue(key, out var value)
        && (value is bool b ? b : throw WrongType(key, value, "true or false"));

    private static string[] Names(IReadOnlyDictionary<string, object> record, string key) => record.TryGetValue(key, out var value)
        ? value switch
        {
            string[] names => names,
            IEnumerable<string> names => [.. names],
            _ => throw WrongType(key, value, "a list of strings"),
        }
        : [];

    private static ArgumentException WrongType(string key, object value, string expected)
        => new(string.Create(CultureInfo.InvariantCulture, $"Config value `{key}` is a {value.GetType().Name} ({value}); expected {expected}."), nameof(value));
}
