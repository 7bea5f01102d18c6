namespace Flip.Federated.Tests.Sites;

public sealed class ConfigRecordTests
{
    [Fact]
    public void A_train_config_survives_its_wire_form()
    {
        var config = new TrainConfig
        {
            Round = 7,
            LocalEpochs = 3,
            LearningRate = 0.05,
            ProximalMu = 0.01,
            Seed = 1234,
            LocalParameterNames = ["enc1.bn1.weight", "enc1.bn1.bias"],
            UseControlVariates = true,
            ClippingNorm = 0.5,
            LocalNoiseStandardDeviation = 0.6,
        };

        var record = ConfigRecord.FromTrainConfig(config);
        var back = ConfigRecord.ToTrainConfig(record);

        Assert.Equal(0.05, record["learning-rate"]);
        Assert.Equal(0.01, record["proximal-mu"]);
        Assert.Equal(config with { LocalParameterNames = back.LocalParameterNames }, back);
        Assert.Equal(config.LocalParameterNames, back.LocalParameterNames);
    }

    [Fact]
    public void Missing_keys_take_the_defaults_and_integers_serve_as_numbers()
    {
        var config = ConfigRecord.ToTrainConfig(new Dictionary<string, object> { ["server-round"] = 2L, ["learning-rate"] = 1L });

        Assert.Equal((2, 1, 1.0, null), (config.Round, config.LocalEpochs, config.LearningRate, config.ClippingNorm));
    }

    [Fact]
    public void An_evaluate_config_survives_its_wire_form()
    {
        var config = new EvaluateConfig { Round = 4, Seed = 9, FineTuneEpochs = 2, FineTuneLearningRate = 0.02 };

        var back = ConfigRecord.ToEvaluateConfig(ConfigRecord.FromEvaluateConfig(config));

        Assert.Equal((4, 9, 2, 0.02, 0), (back.Round, back.Seed, back.FineTuneEpochs, back.FineTuneLearningRate, back.LocalParameterNames.Count));
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_its_key()
    {
        var error = Assert.Throws<ArgumentException>(() => ConfigRecord.ToTrainConfig(new Dictionary<string, object> { ["local-epochs"] = "three" }));

        Assert.StartsWith("Config value `local-epochs` is a String (three); expected an integer.", error.Message);
    }

    [Fact]
    public void Local_steps_batch_size_and_batch_norm_statistics_survive_their_wire_form()
    {
        var train = new TrainConfig { Round = 2, LocalSteps = 3, BatchSize = 4 };
        var evaluate = new EvaluateConfig { Round = 2, BatchSize = 4, BatchStatistics = true };

        var record = ConfigRecord.FromEvaluateConfig(evaluate);
        TrainConfig trainBack = ConfigRecord.ToTrainConfig(ConfigRecord.FromTrainConfig(train));

        Assert.Equal("batch", record["batch-norm"]);
        Assert.Equal((3, 4), (trainBack.LocalSteps, trainBack.BatchSize));
        Assert.Equal((4, true), (ConfigRecord.ToEvaluateConfig(record).BatchSize, ConfigRecord.ToEvaluateConfig(record).BatchStatistics));
        Assert.Null(ConfigRecord.ToTrainConfig(new Dictionary<string, object>()).LocalSteps);
    }

    [Theory]
    [InlineData("batch-size", 0L, "Config value `batch-size` is a Int64 (0); expected a whole number ≥ 1.")]
    [InlineData("batch-norm", "mean", "Config value `batch-norm` is a String (mean); expected \"batch\" or \"running\".")]
    public void A_batch_setting_out_of_range_names_its_key(string key, object value, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => ConfigRecord.ToEvaluateConfig(new Dictionary<string, object> { [key] = value }));

        Assert.StartsWith(message, error.Message);
    }
}
