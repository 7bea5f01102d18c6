using Flip.Federated;
using Flip.Flower.Apps;
using Flip.Flower.Fleet;
using Flip.Flower.Records;
using W = Flip.Flower.Wire;
using ConfigRecord = Flip.Flower.Records.ConfigRecord;
using MetricRecord = Flip.Flower.Records.MetricRecord;

namespace Flip.Flower.Tests.Apps;

/// <summary>A node honours the Flower app it joins through its contract: config keys, reply keys, example counts, model match.</summary>
public sealed class SiteFlowerAppContractTests
{
    // The node's model: a weight and a BatchNorm-style int64 counter (0-d), as a state dict holds them.
    private static readonly ParameterSet Model = ParameterSet.Create(
        ParameterArray.Float32("conv.weight", [2, 2], [1f, 2f, 3f, 4f]),
        ParameterArray.Int64("bn.num_batches_tracked", [], [7]));

    private sealed class RecordingTrainer : ISiteTrainer
    {
        public TrainConfig? Train { get; private set; }

        public EvaluateConfig? Evaluate { get; private set; }

        public ParameterSet? Received { get; private set; }

        public MetricSet TrainMetrics { get; init; } = MetricSet.Of((MetricNames.Loss, 0.5), (MetricNames.LocalSteps, 3));

        public Task<SiteUpdate> TrainAsync(ParameterSet global, TrainConfig config, SiteState state, CancellationToken ct)
        {
            (Train, Received) = (config, global);
            return Task.FromResult(new SiteUpdate(global, ParameterKind.Full, 269, TrainMetrics));
        }

        public Task<SiteEvaluation> EvaluateAsync(ParameterSet global, EvaluateConfig config, SiteState state, CancellationToken ct)
        {
            Evaluate = config;
            return Task.FromResult(new SiteEvaluation(11, MetricSet.Of((MetricNames.Loss, 0.25), (MetricNames.Dice, 0.1), (MetricNames.SoftDice, 0.3))));
        }

        public SiteSummary Describe() => new(269, 11, new Dictionary<string, long>());
    }

    private static SiteFlowerApp App(RecordingTrainer trainer, string contract) =>
        new(new Site(new SiteId("site-2"), trainer), Model.Layout, contract: AppContract.Preset(contract));

    private static FlowerInstruction Instruction(string type, ArrayRecord arrays, ConfigRecord config) => new(
        new FlowerMessage(new W.Metadata { MessageType = type, MessageId = "m1", RunId = 1 }, new RecordDict { { RecordKeys.Arrays, arrays }, { RecordKeys.Config, config } }),
        null);

    private static ConfigRecord UNetTrainConfig(long batch) => new()
    {
        { "lr", RecordValue.Of(0.005) },
        { "local-steps", RecordValue.Of(3L) },
        { "batch", RecordValue.Of(batch) },
        { RecordKeys.ServerRound, RecordValue.Of(2L) },
    };

    private static Dictionary<string, double> Plain(RecordDict reply)
    {
        Assert.True(reply.TryGet(RecordKeys.Metrics, out MetricRecord? metrics));
        return metrics.ToDictionary(m => m.Key, m => m.Value.ToDouble());
    }

    [Fact]
    public async Task Under_the_UNet_app_contract_the_node_trains_with_the_apps_settings_and_replies_exactly_its_keys()
    {
        var trainer = new RecordingTrainer();

        RecordDict reply = await App(trainer, "flower-unetapp").TrainAsync(Instruction("train", Model.ToArrayRecord(), UNetTrainConfig(batch: 4)), CancellationToken.None);

        Assert.Equal(0.005, trainer.Train!.LearningRate);
        Assert.Equal(3, trainer.Train.LocalSteps);
        Assert.Equal(4, trainer.Train.BatchSize);
        Assert.Equal(2, trainer.Train.Round);
        // num-examples is the batch, as the app's PyTorch nodes send it, not the site's 269 slices.
        Assert.Equal(new Dictionary<string, double> { ["num-examples"] = 4, ["train-loss"] = 0.5 }, Plain(reply));
        Assert.True(reply.TryGet(RecordKeys.Arrays, out ArrayRecord? arrays));
        Assert.Equal(["conv.weight", "bn.num_batches_tracked"], arrays.Select(a => a.Key));
    }

    [Fact]
    public async Task Under_the_UNet_app_contract_the_node_evaluates_on_batch_statistics_and_sends_soft_dice_as_dice()
    {
        var trainer = new RecordingTrainer();
        var config = new ConfigRecord { { "batch", RecordValue.Of(2L) }, { "eval-bn", RecordValue.Of("batch") }, { RecordKeys.ServerRound, RecordValue.Of(1L) } };

        RecordDict reply = await App(trainer, "flower-unetapp").EvaluateAsync(Instruction("evaluate", Model.ToArrayRecord(), config), CancellationToken.None);

        Assert.True(trainer.Evaluate!.BatchStatistics);
        Assert.Equal(2, trainer.Evaluate.BatchSize);
        Assert.Equal(new Dictionary<string, double> { ["num-examples"] = 2, ["eval-loss"] = 0.25, ["dice"] = 0.3 }, Plain(reply));
    }

    [Fact]
    public async Task Flowers_float64_counters_are_taken_back_as_int64()
    {
        // Stock FedAvg averages every array in floating point: from round 2 the counter arrives as float64.
        var trainer = new RecordingTrainer();
        ParameterSet averaged = ParameterSet.Create(ParameterArray.Float32("conv.weight", [2, 2], [1f, 2f, 3f, 4f]), ParameterArray.Float64("bn.num_batches_tracked", [], [7.0]));

        await App(trainer, "flower-unetapp").TrainAsync(Instruction("train", averaged.ToArrayRecord(), UNetTrainConfig(4)), CancellationToken.None);

        Assert.Equal(ParameterDataType.Int64, trainer.Received!["bn.num_batches_tracked"].DataType);
        Assert.Equal(7, trainer.Received["bn.num_batches_tracked"].AsInt64().Span[0]);
    }

    [Fact]
    public async Task Another_model_is_refused_with_a_reason_naming_what_differed()
    {
        var trainer = new RecordingTrainer();
        ArrayRecord tiny = ParameterSet.Create(ParameterArray.Float32("w", [2, 2], [0f, 0f, 0f, 0f])).ToArrayRecord();

        var e = await Assert.ThrowsAsync<AppContractException>(() => App(trainer, "flip").TrainAsync(Instruction("train", tiny, new ConfigRecord()), CancellationToken.None));

        Assert.Equal("model mismatch: the app sent 1 array(s), app contract 'flip' expects unet2d (2 arrays); not in the model: w float32 [2,2]; missing: conv.weight float32 [2,2], bn.num_batches_tracked int64 []", e.Reason);
        Assert.Null(trainer.Train);
    }

    [Fact]
    public async Task A_different_shape_or_dtype_is_named_with_both_sides()
    {
        var trainer = new RecordingTrainer();
        ArrayRecord other = ParameterSet.Create(
            ParameterArray.Float32("conv.weight", [4], [1f, 2f, 3f, 4f]),
            ParameterArray.Float32("bn.num_batches_tracked", [], [7f])).ToArrayRecord();

        var e = await Assert.ThrowsAsync<AppContractException>(() => App(trainer, "flower-unetapp").EvaluateAsync(Instruction("evaluate", other, new ConfigRecord()), CancellationToken.None));

        Assert.Equal("model mismatch: the app sent 2 array(s), app contract 'flower-unetapp' expects unet2d (base channels 16) (2 arrays); conv.weight is float32 [4], the model has float32 [2,2]; bn.num_batches_tracked is float32 [], the model has int64 []", e.Reason);
    }

    [Fact]
    public async Task A_reply_metric_the_trainer_did_not_report_is_an_error_not_a_reply_with_other_keys()
    {
        var trainer = new RecordingTrainer { TrainMetrics = MetricSet.Of((MetricNames.Loss, double.NaN)) };

        var e = await Assert.ThrowsAsync<AppContractException>(() => App(trainer, "flower-unetapp").TrainAsync(Instruction("train", Model.ToArrayRecord(), UNetTrainConfig(4)), CancellationToken.None));

        Assert.Equal("app contract 'flower-unetapp' fills the train metric 'train-loss' from FLIP's 'loss', which this node's trainer did not report as a finite number", e.Reason);
    }

    [Fact]
    public async Task A_config_value_of_the_wrong_kind_is_named()
    {
        var config = new ConfigRecord { { "lr", RecordValue.Of("fast") } };

        var e = await Assert.ThrowsAsync<AppContractException>(() => App(new RecordingTrainer(), "flower-unetapp").TrainAsync(Instruction("train", Model.ToArrayRecord(), config), CancellationToken.None));

        Assert.StartsWith("app contract 'flower-unetapp': the train config does not fit: Config value `learning-rate` is a String (fast); expected a number.", e.Reason);
    }

    [Fact]
    public async Task The_slim_app_contract_uses_its_own_keys_and_counts_steps_times_batch()
    {
        var trainer = new RecordingTrainer();
        var config = new ConfigRecord
        {
            { "step_size", RecordValue.Of(0.002) },
            { "max_batches", RecordValue.Of(3L) },
            { "minibatch", RecordValue.Of(4L) },
            { "learning-rate", RecordValue.Of(9.0) },
        };

        RecordDict reply = await App(trainer, "slim-unet").TrainAsync(Instruction("train", Model.ToArrayRecord(), config), CancellationToken.None);

        // FLIP's own key is not the app's: it is ignored.
        Assert.Equal(0.002, trainer.Train!.LearningRate);
        Assert.Equal(new Dictionary<string, double> { ["samples"] = 12, ["objective"] = 0.5, ["steps_taken"] = 3 }, Plain(reply));
    }

    [Fact]
    public async Task FLIPs_own_contract_reads_FLIPs_keys_and_replies_every_metric_with_the_sites_count()
    {
        var trainer = new RecordingTrainer();
        var config = new ConfigRecord { { ConfigKeys.LocalEpochs, RecordValue.Of(2L) }, { ConfigKeys.LearningRate, RecordValue.Of(0.03) }, { "lr", RecordValue.Of(9.0) } };

        RecordDict reply = await App(trainer, "flip").TrainAsync(Instruction("train", Model.ToArrayRecord(), config), CancellationToken.None);

        Assert.Equal(2, trainer.Train!.LocalEpochs);
        Assert.Equal(0.03, trainer.Train.LearningRate);
        Assert.Null(trainer.Train.LocalSteps);
        Assert.Equal(new Dictionary<string, double> { ["loss"] = 0.5, ["local-steps"] = 3, ["num-examples"] = 269 }, Plain(reply));
    }

    [Fact]
    public async Task Every_train_and_evaluate_setting_a_FLIP_server_sends_reaches_the_nodes_trainer()
    {
        // Given: train and evaluate settings with every field away from its default (what any catalogue strategy can set:
        // FedProx's μ, FedBN's local layers, SCAFFOLD's flag and c, DP's clipping and local noise, FedAvg+FT's fine-tuning)
        var train = new TrainConfig
        {
            LocalEpochs = 3, LocalSteps = 7, BatchSize = 5, LearningRate = 0.003, ProximalMu = 0.2, Seed = 11, LocalParameterNames = ["conv.weight"],
            UseControlVariates = true, ServerControlVariate = ParameterMath.Map(Model, _ => 0.125), ClippingNorm = 0.7, LocalNoiseStandardDeviation = 0.05,
        };
        var evaluate = new EvaluateConfig { Seed = 13, LocalParameterNames = ["conv.weight"], FineTuneEpochs = 2, FineTuneLearningRate = 0.0007, BatchSize = 6, BatchStatistics = true };

        // When: the server's records (with SCAFFOLD's c beside the model) reach a node's app
        var trainer = new RecordingTrainer();
        var content = new RecordDict
        {
            { RecordKeys.Arrays, Model.ToArrayRecord() },
            { RecordKeys.Config, SiteFlowerApp.ToConfigRecord(train, 4) },
            { RecordKeys.ControlVariate, train.ServerControlVariate!.ToArrayRecord() },
        };
        RecordDict reply = await App(trainer, "flip").TrainAsync(new FlowerInstruction(
            new FlowerMessage(new W.Metadata { MessageType = "train", MessageId = "m1", RunId = 1 }, content), null), CancellationToken.None);
        var evaluator = new RecordingTrainer();
        await App(evaluator, "flip").EvaluateAsync(Instruction("evaluate", Model.ToArrayRecord(), SiteFlowerApp.ToConfigRecord(evaluate, 4)), CancellationToken.None);

        // Then: the trainer was given every one of them, and the reply carries SCAFFOLD's Δcᵢ
        TrainConfig got = trainer.Train!;
        Assert.Equal(train with { Round = 4, LocalParameterNames = got.LocalParameterNames, ServerControlVariate = got.ServerControlVariate }, got);
        Assert.Equal(["conv.weight"], got.LocalParameterNames);
        Assert.True(got.ServerControlVariate!.ContentEquals(train.ServerControlVariate));
        Assert.True(reply.TryGet(RecordKeys.ControlVariateDelta, out ArrayRecord? _));
        EvaluateConfig seen = evaluator.Evaluate!;
        Assert.Equal(evaluate with { Round = 4, LocalParameterNames = seen.LocalParameterNames }, seen);
        Assert.Equal(["conv.weight"], seen.LocalParameterNames);
    }
}
