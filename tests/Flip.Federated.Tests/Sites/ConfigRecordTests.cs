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
}
