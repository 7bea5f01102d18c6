using System.Globalization;
using Flip.Federated;
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
/// </remarks>
public sealed class SiteFlowerApp : IFlowerApp
{
    private readonly Site _site;
    private readonly ParameterLayout _layout;
    private readonly SecureAggregationNode _secure;

    /// <summary>Wraps a site.</summary>
    /// <param name="site">The site: trainer plus state that never leaves.</param>
    /// <param name="layout">The model's layout, to check and type the arrays the server sends.</param>
    /// <param name="requireSecureAggregation">Refuse every plain train instruction: the update leaves only masked, in a SecAgg+ round.</param>
    /// <param name="logger">Receives the node's own warnings (an update clipped for secure aggregation); <see langword="null"/> for none.</param>
    /// <param name="identity">The node's identity key: it signs the node's secure aggregation keys so that neighbours can check them; <see langword="null"/> to send them unsigned.</param>
    /// <param name="secureAggregationPeers">The node keys of the federation's nodes, handed out by the consortium (not by the server): a secure aggregation
    /// neighbour is accepted only when its keys are signed by one of them. <see langword="null"/> trusts the neighbours the server relays.</param>
    /// <exception cref="ArgumentException"><paramref name="secureAggregationPeers"/> without <paramref name="identity"/>.</exception>
    public SiteFlowerApp(Site site, ParameterLayout layout, bool requireSecureAggregation = false, Microsoft.Extensions.Logging.ILogger? logger = null,
        Auth.NodeIdentity? identity = null, Auth.NodeAllowList? secureAggregationPeers = null)
    {
        _site = site;
        _layout = layout;
        RequiresSecureAggregation = requireSecureAggregation;
        _secure = new SecureAggregationNode(TrainUpdateAsync, () => _site.Describe().TrainExampleCount, logger, identity, secureAggregationPeers);
    }

    /// <summary>Whether plain train instructions are refused (the node sends its update only under secure aggregation).</summary>
    public bool RequiresSecureAggregation { get; }

    /// <inheritdoc />
    /// <exception cref="PlainUpdateRefusedException">A plain train instruction reached a node that requires secure aggregation; nothing was trained or sent.</exception>
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

        (ParameterSet global, SiteUpdate update) = await TrainUpdateAsync(instruction, ct).ConfigureAwait(false);
        ParameterSet parameters = update.Kind == ParameterKind.Full ? update.Parameters : ParameterMath.Add(global, update.Parameters, _site.Id.Value);
        return new RecordDict
        {
            { RecordKeys.Arrays, parameters.ToArrayRecord() },
            { RecordKeys.Metrics, Metrics(update.Metrics, update.ExampleCount) },
        };
    }

    private async Task<(ParameterSet Global, SiteUpdate Update)> TrainUpdateAsync(FlowerInstruction instruction, CancellationToken ct)
    {
        ParameterSet global = Global(instruction);
        ConfigRecord config = Config(instruction);
        var train = new TrainConfig
        {
            Round = (int)(instruction.ServerRound ?? 0),
            LocalEpochs = (int)Long(config, ConfigKeys.LocalEpochs, 1),
            LearningRate = Double(config, ConfigKeys.LearningRate, 0.01),
            ProximalMu = Double(config, ConfigKeys.ProximalMu, 0),
            Seed = (int)Long(config, ConfigKeys.Seed, 0),
            LocalParameterNames = Strings(config, ConfigKeys.LocalParameters),
        };
        return (global, await _site.TrainAsync(global, train, ct).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public async Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        ParameterSet global = Global(instruction);
        ConfigRecord config = Config(instruction);
        var evaluate = new EvaluateConfig
        {
            Round = (int)(instruction.ServerRound ?? 0),
            Seed = (int)Long(config, ConfigKeys.Seed, 0),
            LocalParameterNames = Strings(config, ConfigKeys.LocalParameters),
        };
        SiteEvaluation evaluation = await _site.EvaluateAsync(global, evaluate, ct).ConfigureAwait(false);
        return new RecordDict { { RecordKeys.Metrics, Metrics(evaluation.Metrics, evaluation.ExampleCount) } };
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

    /// <summary>The <c>config</c> record a server sends with a train instruction.</summary>
    /// <param name="config">The strategy's train settings for this site.</param>
    /// <param name="round">The server round.</param>
    /// <returns>A config record with the keys of <see cref="ConfigKeys"/>.</returns>
    public static ConfigRecord ToConfigRecord(TrainConfig config, int round)
    {
        ArgumentNullException.ThrowIfNull(config);
        var record = new ConfigRecord
        {
            { RecordKeys.ServerRound, RecordValue.Of((long)round) },
            { ConfigKeys.LocalEpochs, RecordValue.Of((long)config.LocalEpochs) },
            { ConfigKeys.LearningRate, RecordValue.Of(config.LearningRate) },
            { ConfigKeys.ProximalMu, RecordValue.Of(config.ProximalMu) },
            { ConfigKeys.Seed, RecordValue.Of((long)config.Seed) },
        };
        if (config.LocalParameterNames.Count > 0)
        {
            record.Add(ConfigKeys.LocalParameters, RecordValue.OfList(config.LocalParameterNames));
        }

        return record;
    }

    /// <summary>The <c>config</c> record a server sends with an evaluate instruction.</summary>
    /// <param name="config">The strategy's evaluate settings for this site.</param>
    /// <param name="round">The server round.</param>
    /// <returns>A config record.</returns>
    public static ConfigRecord ToConfigRecord(EvaluateConfig config, int round)
    {
        ArgumentNullException.ThrowIfNull(config);
        var record = new ConfigRecord
        {
            { RecordKeys.ServerRound, RecordValue.Of((long)round) },
            { ConfigKeys.Seed, RecordValue.Of((long)config.Seed) },
        };
        if (config.LocalParameterNames.Count > 0)
        {
            record.Add(ConfigKeys.LocalParameters, RecordValue.OfList(config.LocalParameterNames));
        }

        return record;
    }

    // Fleet messages name each array; the legacy transport numbers them "0", "1", … in the model's order.
    private ParameterSet Global(FlowerInstruction instruction)
    {
        ArrayRecord arrays = Arrays(instruction);
        bool numbered = arrays.Select((item, i) => item.Key == i.ToString(CultureInfo.InvariantCulture)).All(b => b);
        return numbered && arrays.Count > 0 && !arrays.ContainsKey(_layout[0].Name)
            ? ParameterSetRecords.FromFlowerArrays([.. arrays.Select(item => item.Value)], _layout)
            : arrays.ToParameterSet(_layout);
    }

    private static ArrayRecord Arrays(FlowerInstruction instruction)
        => instruction.Content.TryGet(RecordKeys.Arrays, out ArrayRecord? arrays)
            ? arrays
            : throw FlowerProtocolException.BadMessage(instruction.MessageType, RecordKeys.Arrays, "missing; expected the global model as an ArrayRecord");

    private static ConfigRecord Config(FlowerInstruction instruction)
        => instruction.Content.TryGet(RecordKeys.Config, out ConfigRecord? config) ? config : new ConfigRecord();

    internal static MetricRecord Metrics(MetricSet metrics, long examples)
    {
        var record = new MetricRecord();
        foreach (var (name, value) in metrics)
        {
            if (double.IsFinite(value))
            {
                record.Add(name, RecordValue.Of(value));
            }
        }

        record.Add(RecordKeys.NumExamples, RecordValue.Of(examples));
        return record;
    }

    private static long Long(ConfigRecord config, string key, long fallback)
        => config.TryGetValue(key, out RecordValue? v) ? v.Kind == RecordValueKind.SInt64 ? v.AsInt64() : (long)v.ToDouble() : fallback;

    private static double Double(ConfigRecord config, string key, double fallback)
        => config.TryGetValue(key, out RecordValue? v) ? v.ToDouble() : fallback;

    private static IReadOnlyList<string> Strings(ConfigRecord config, string key)
        => config.TryGetValue(key, out RecordValue? v) && v.Kind == RecordValueKind.StringList ? [.. v.AsStringList()] : [];

    internal static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
