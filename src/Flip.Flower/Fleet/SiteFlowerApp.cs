using System.Globalization;
using Flip.Federated;
using Flip.Flower.Apps;
using Flip.Flower.Npy;
using Flip.Flower.Records;
using ConfigRecord = Flip.Flower.Records.ConfigRecord;
using MetricRecord = Flip.Flower.Records.MetricRecord;

namespace Flip.Flower.Fleet;

/// <summary>
/// A hospital's <see cref="Site"/> (its trainer and its own state) behind Flower's message API: the
/// same code path a simulated site runs, driven by a Flower server instead of the in-process loop.
/// </summary>
/// <remarks>
/// <c>train</c> and <c>evaluate</c> messages carry the global model as an <c>ArrayRecord</c> under
/// <c>arrays</c> and settings in a <c>ConfigRecord</c> under <c>config</c> (keys of
/// <see cref="ConfigKeys"/>); replies carry <c>arrays</c> (train) and a <c>MetricRecord</c> under
/// <c>metrics</c> with <c>num-examples</c>. Only parameters, counts and metrics leave the site.
/// <para>A <c>train</c> message carrying <see cref="SecAggPlusKeys.ConfigRecord"/> is a stage of secure
/// aggregation (<c>serve --secure-aggregation</c>): the app keeps the round's SecAgg+ state across the
/// four stages, trains in collect_masked_vectors and sends its update only masked
/// (<see cref="SecureAggregationNode"/>). Nothing needs configuring on the node; given its identity it signs its secure
/// aggregation keys, and given the federation's node keys it takes only signed neighbours from that list (no server-made sybils).</para>
/// <para>Another Flower app's keys are honoured through an <see cref="AppContract"/>: its config keys are renamed
/// to FLIP's and read by the one mapping <see cref="Flip.Federated.ConfigRecord"/>; replies carry exactly the
/// contract's metric keys; received arrays are matched to the model by name, shape and dtype, and a mismatch is
/// an error reply whose reason says what differed.</para>
/// </remarks>
public sealed class SiteFlowerApp : IFlowerApp
{
    private readonly Site _site;
    private readonly ParameterLayout _layout;
    private readonly SecureAggregationNode _secure;
    private readonly AppContract _contract;

    /// <summary>Wraps a site.</summary>
    /// <param name="site">The site: trainer plus state that never leaves.</param>
    /// <param name="layout">The model's layout, to check and type the arrays the server sends.</param>
    /// <param name="requireSecureAggregation">Refuse every plain train instruction: the update leaves only masked, in a SecAgg+ round.</param>
    /// <param name="logger">Receives the node's own warnings (an update clipped for secure aggregation); <see langword="null"/> for none.</param>
    /// <param name="identity">The node's identity key: it signs the node's secure aggregation keys so that neighbours can check them; <see langword="null"/> to send them unsigned.</param>
    /// <param name="secureAggregationPeers">The node keys of the federation's nodes, handed out by the consortium (not by the server): a secure aggregation
    /// neighbour is accepted only when its keys are signed by one of them. <see langword="null"/> trusts the neighbours the server relays.</param>
    /// <param name="contract">The Flower app's keys and model; <see langword="null"/> for <see cref="AppContract.Flip"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="secureAggregationPeers"/> without <paramref name="identity"/>.</exception>
    public SiteFlowerApp(Site site, ParameterLayout layout, bool requireSecureAggregation = false, Microsoft.Extensions.Logging.ILogger? logger = null,
        Auth.NodeIdentity? identity = null, Auth.NodeAllowList? secureAggregationPeers = null, AppContract? contract = null)
    {
        _site = site;
        _layout = layout;
        _contract = contract ?? AppContract.Flip;
        RequiresSecureAggregation = requireSecureAggregation;
        _secure = new SecureAggregationNode(TrainUpdateAsync, () => _site.Describe().TrainExampleCount, logger, identity, secureAggregationPeers);
    }

    /// <summary>The app contract the node honours.</summary>
    public AppContract Contract => _contract;

    /// <summary>Whether plain train instructions are refused (the node sends its update only under secure aggregation).</summary>
    public bool RequiresSecureAggregation { get; }

    /// <inheritdoc />
    /// <exception cref="PlainUpdateRefusedException">A plain train instruction reached a node that requires secure aggregation; nothing was trained or sent.</exception>
    /// <exception cref="AppContractException">The arrays do not fit the model, a config value does not fit its setting, or the trainer did not report a metric the contract's reply needs.</exception>
    public async Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        if (SecureAggregationNode.Handles(instruction))
        {
            return await _secure.HandleAsync(instruction, ct).ConfigureAwait(false);
        }

        if (RequiresSecureAggregation)
        {
            throw new PlainUpdateRefusedException(_site.Id, instruction.ServerRound);
        }

        ParameterSet global = Global(instruction);
        TrainConfig train = TrainSettings(instruction);
        SiteUpdate update = await _site.TrainAsync(global, train, ct).ConfigureAwait(false);
        ParameterSet parameters = update.Kind == ParameterKind.Full ? update.Parameters : ParameterMath.Add(global, update.Parameters, _site.Id.Value);
        long examples = _contract.Train.Examples switch
        {
            ExampleCount.Site => update.ExampleCount,
            ExampleCount.Batch => train.BatchSize ?? throw AppContractException.NoBatchSize(_contract.Name, "train"),
            _ => (long)(update.Metrics.TryGetValue(MetricNames.LocalSteps, out double steps) ? steps : 0)
                * (train.BatchSize ?? throw AppContractException.NoBatchSize(_contract.Name, "train")),
        };
        var reply = new RecordDict
        {
            { RecordKeys.Arrays, parameters.ToArrayRecord() },
            { RecordKeys.Metrics, Reply(_contract.Train, "train", update.Metrics, examples) },
        };
        if (update.ControlVariateDelta is { } controlDelta)
        {
            reply.Add(RecordKeys.ControlVariateDelta, controlDelta.ToArrayRecord());
        }

        return reply;
    }

    // Secure aggregation trains through here and replies with FLIP's own metrics (its server is FLIP's).
    private async Task<(ParameterSet Global, SiteUpdate Update)> TrainUpdateAsync(FlowerInstruction instruction, CancellationToken ct)
    {
        ParameterSet global = Global(instruction);
        return (global, await _site.TrainAsync(global, TrainSettings(instruction), ct).ConfigureAwait(false));
    }

    private TrainConfig TrainSettings(FlowerInstruction instruction)
    {
        try
        {
            // SCAFFOLD's server control variate comes beside the model, in the model's layout.
            ParameterSet? control = instruction.Content.TryGet(RecordKeys.ControlVariate, out ArrayRecord? controlArrays)
                ? controlArrays.ToParameterSet(_layout)
                : null;
            return Flip.Federated.ConfigRecord.ToTrainConfig(Settings(_contract.Train, Config(instruction)), control)
                with { Round = (int)(instruction.ServerRound ?? 0) };
        }
        catch (ArgumentException e)
        {
            throw AppContractException.BadConfig(_contract.Name, "train", e.Message, e);
        }
    }

    /// <inheritdoc />
    public async Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        ParameterSet global = Global(instruction);
        EvaluateConfig evaluate;
        try
        {
            evaluate = Flip.Federated.ConfigRecord.ToEvaluateConfig(Settings(_contract.Evaluate, Config(instruction)))
                with { Round = (int)(instruction.ServerRound ?? 0) };
        }
        catch (ArgumentException e)
        {
            throw AppContractException.BadConfig(_contract.Name, "evaluate", e.Message, e);
        }

        SiteEvaluation evaluation = await _site.EvaluateAsync(global, evaluate, ct).ConfigureAwait(false);
        long examples = _contract.Evaluate.Examples == ExampleCount.Site
            ? evaluation.ExampleCount
            : evaluate.BatchSize ?? throw AppContractException.NoBatchSize(_contract.Name, "evaluate");
        return new RecordDict { { RecordKeys.Metrics, Reply(_contract.Evaluate, "evaluate", evaluation.Metrics, examples) } };
    }

    /// <inheritdoc />
    public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct)
    {
        SiteSummary summary = _site.Describe();
        var metrics = new MetricRecord
        {
            { "train-examples", RecordValue.Of(summary.TrainExampleCount) },
            { "evaluation-examples", RecordValue.Of(summary.EvaluationExampleCount) },
        };
        foreach (var (label, count) in summary.LabelCounts)
        {
            metrics.Add("label-" + label, RecordValue.Of(count));
        }

        return Task.FromResult(new RecordDict { { RecordKeys.Metrics, metrics } });
    }

    /// <summary>The <c>config</c> record a server sends with a train instruction: every setting of the one wire mapping
    /// (<see cref="Flip.Federated.ConfigRecord"/>: local training, FedProx's μ, SCAFFOLD's flag, clipping and local noise, …) under
    /// FLIP's keys, with Flower's <c>server-round</c>.</summary>
    /// <param name="config">The strategy's train settings for this site.</param>
    /// <param name="round">The server round.</param>
    /// <returns>A config record.</returns>
    public static ConfigRecord ToConfigRecord(TrainConfig config, int round)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Wire(Flip.Federated.ConfigRecord.FromTrainConfig(config with { Round = round }));
    }

    /// <summary>The <c>config</c> record a server sends with an evaluate instruction (the one wire mapping, fine-tuning included).</summary>
    /// <param name="config">The strategy's evaluate settings for this site.</param>
    /// <param name="round">The server round.</param>
    /// <returns>A config record.</returns>
    public static ConfigRecord ToConfigRecord(EvaluateConfig config, int round)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Wire(Flip.Federated.ConfigRecord.FromEvaluateConfig(config with { Round = round }));
    }

    // The wire mapping's plain values as Flower record values; empty lists are left out, as Flower's apps expect no key.
    private static ConfigRecord Wire(IReadOnlyDictionary<string, object> settings)
    {
        var record = new ConfigRecord();
        foreach (var (key, value) in settings)
        {
            RecordValue? wire = value switch
            {
                long l => RecordValue.Of(l),
                int n => RecordValue.Of((long)n),
                double d => RecordValue.Of(d),
                bool b => RecordValue.Of(b),
                string text => RecordValue.Of(text),
                string[] { Length: > 0 } list => RecordValue.OfList(list),
                string[] => null,
                _ => throw new ArgumentException(Invariant($"config setting '{key}' is a {value.GetType().Name}; the wire mapping makes numbers, flags, text and text lists only")),
            };
            if (wire is not null)
            {
                record.Add(key, wire);
            }
        }

        return record;
    }

    // Fleet messages name each array; the legacy transport numbers them "0", "1", … in the model's order.
    private ParameterSet Global(FlowerInstruction instruction)
    {
        ArrayRecord arrays = Arrays(instruction);
        bool numbered = arrays.Select((item, i) => item.Key == i.ToString(CultureInfo.InvariantCulture)).All(b => b);
        if (numbered && arrays.Count > 0 && !arrays.ContainsKey(_layout[0].Name))
        {
            CheckModel([.. arrays.Select((item, i) => (i < _layout.Count ? _layout[i].Name : item.Key, item.Value))]);
            return ParameterSetRecords.FromFlowerArrays([.. arrays.Select(item => item.Value)], _layout);
        }

        CheckModel([.. arrays.Select(item => (item.Key, item.Value))]);
        return arrays.ToParameterSet(_layout);
    }

    // Matches the app's model to ours by state-dict names, shapes and dtypes before anything is read, so a
    // different model is refused with what differed. Flower's FedAvg averages in floating point, so a float64
    // array is accepted where the model holds float32 or an int64 counter (read back exactly).
    private void CheckModel(IReadOnlyList<(string Name, NpyArray Array)> sent)
    {
        var differences = new List<string>();
        var byName = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (var (name, array) in sent)
        {
            byName.TryAdd(name, array);
        }

        string[] missing = [.. _layout.Where(spec => !byName.ContainsKey(spec.Name)).Select(spec => Invariant($"{spec.Name} {Dtype(spec.DataType)} {spec.ShapeText}"))];
        var known = _layout.Select(spec => spec.Name).ToHashSet(StringComparer.Ordinal);
        string[] unknown = [.. sent.Where(item => !known.Contains(item.Name)).Select(item => Invariant($"{item.Name} {item.Array.DType.Name} [{string.Join(',', item.Array.Shape)}]"))];
        if (unknown.Length > 0)
        {
            differences.Add("not in the model: " + Few(unknown));
        }

        if (missing.Length > 0)
        {
            differences.Add("missing: " + Few(missing));
        }

        foreach (ParameterSpec spec in _layout)
        {
            if (!byName.TryGetValue(spec.Name, out NpyArray? array))
            {
                continue;
            }

            bool shapeFits = spec.Shape.AsSpan().SequenceEqual([.. array.Shape]);
            bool typeFits = array.DType.Equals(NpyDType.Float64)
                || (spec.DataType == ParameterDataType.Float32 && array.DType.Equals(NpyDType.Float32))
                || (spec.DataType == ParameterDataType.Int64 && array.DType.Equals(NpyDType.Int64));
            if (!shapeFits || !typeFits)
            {
                differences.Add(Invariant($"{spec.Name} is {array.DType.Name} [{string.Join(',', array.Shape)}], the model has {Dtype(spec.DataType)} {spec.ShapeText}"));
            }

            if (differences.Count >= 4)
            {
                break;
            }
        }

        if (differences.Count > 0)
        {
            throw AppContractException.ModelMismatch(_contract.Name, _contract.ModelText, sent.Count, _layout.Count, differences);
        }

        static string Few(string[] items) => items.Length <= 3 ? string.Join(", ", items) : string.Join(", ", items.Take(3)) + Invariant($" and {items.Length - 3} more");
    }

    private static string Dtype(ParameterDataType type) => type switch
    {
        ParameterDataType.Float32 => "float32",
        ParameterDataType.Float64 => "float64",
        ParameterDataType.Int64 => "int64",
        _ => type.ToString(),
    };

    // The app's config record, renamed to FLIP's keys by the contract (FLIP's contract: as it is), as the one
    // wire mapping (Flip.Federated.ConfigRecord) reads it.
    private static Dictionary<string, object> Settings(AppContractStep step, ConfigRecord config)
    {
        var settings = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in config)
        {
            string? setting = key == RecordKeys.ServerRound ? ConfigKeys.Round
                : step.Config is null ? key
                : step.Config.TryGetValue(key, out string? mapped) ? mapped : null;
            if (setting is not null && Plain(value) is { } plain)
            {
                settings[setting] = plain;
            }
        }

        return settings;
    }

    private static object? Plain(RecordValue value) => value.Kind switch
    {
        RecordValueKind.SInt64 => value.AsInt64(),
        RecordValueKind.UInt64 => (long)value.AsUInt64(),
        RecordValueKind.Double => value.AsDouble(),
        RecordValueKind.Bool => value.AsBoolean(),
        RecordValueKind.String => value.AsString(),
        RecordValueKind.StringList => value.AsStringList().ToArray(),
        _ => null,
    };

    // The reply's metrics: exactly the contract's keys (FLIP's contract: every finite FLIP metric) and the example count.
    private MetricRecord Reply(AppContractStep step, string name, MetricSet metrics, long examples)
    {
        if (step.Metrics is null)
        {
            return Metrics(metrics, examples, _contract.ExampleCountKey);
        }

        var record = new MetricRecord { { _contract.ExampleCountKey, RecordValue.Of(examples) } };
        foreach (var (key, metric) in step.Metrics)
        {
            double value = metrics.TryGetValue(metric, out double v) && double.IsFinite(v) ? v
                : throw AppContractException.MissingMetric(_contract.Name, name, key, metric);
            record.Add(key, RecordValue.Of(value));
        }

        return record;
    }

    private static ArrayRecord Arrays(FlowerInstruction instruction)
        => instruction.Content.TryGet(RecordKeys.Arrays, out ArrayRecord? arrays)
            ? arrays
            : throw FlowerProtocolException.BadMessage(instruction.MessageType, RecordKeys.Arrays, "missing; expected the global model as an ArrayRecord");

    private static ConfigRecord Config(FlowerInstruction instruction)
        => instruction.Content.TryGet(RecordKeys.Config, out ConfigRecord? config) ? config : new ConfigRecord();

    internal static MetricRecord Metrics(MetricSet metrics, long examples, string exampleCountKey = RecordKeys.NumExamples)
    {
        var record = new MetricRecord();
        foreach (var (name, value) in metrics)
        {
            if (double.IsFinite(value))
            {
                record.Add(name, RecordValue.Of(value));
            }
        }

        record.Add(exampleCountKey, RecordValue.Of(examples));
        return record;
    }

    internal static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
