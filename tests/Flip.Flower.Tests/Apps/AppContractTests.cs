using System.Text.Json;
using Flip.Federated;
using Flip.Flower.Apps;

namespace Flip.Flower.Tests.Apps;

/// <summary>The app contract's file format, its presets and its schema.</summary>
public sealed class AppContractTests
{
    [Fact]
    public void Every_built_in_contract_loads_and_flip_is_FLIPs_own()
    {
        Assert.Equal(["flip", "flower-unetapp", "slim-unet"], AppContract.PresetNames);
        Assert.All(AppContract.PresetNames, name => Assert.Equal(name, AppContract.Load(name).Name));

        AppContract flip = AppContract.Flip;
        Assert.Null(flip.Train.Config);
        Assert.Null(flip.Train.Metrics);
        Assert.Equal(ExampleCount.Site, flip.Train.Examples);
        Assert.Null(flip.ModelBaseChannels);
        Assert.Equal(MetricNames.ExampleCount, flip.ExampleCountKey);
    }

    [Fact]
    public void The_UNet_app_contract_maps_its_keys_to_the_trainer_and_its_replies_to_FLIP_metrics()
    {
        AppContract unet = AppContract.Preset("flower-unetapp");

        Assert.Equal(16, unet.ModelBaseChannels);
        Assert.Equal(ConfigKeys.LearningRate, unet.Train.Config!["lr"]);
        Assert.Equal(ConfigKeys.LocalSteps, unet.Train.Config["local-steps"]);
        Assert.Equal(ConfigKeys.BatchSize, unet.Train.Config["batch"]);
        Assert.Equal(ConfigKeys.BatchNorm, unet.Evaluate.Config!["eval-bn"]);
        Assert.Equal([KeyValuePair.Create("train-loss", MetricNames.Loss)], unet.Train.Metrics);
        Assert.Equal([KeyValuePair.Create("eval-loss", MetricNames.Loss), KeyValuePair.Create("dice", MetricNames.SoftDice)], unet.Evaluate.Metrics);
        Assert.Equal(ExampleCount.Batch, unet.Train.Examples);
        Assert.Equal("{num-examples, train-loss}", unet.ReplyKeysText(unet.Train));
    }

    [Theory]
    [InlineData("""{ "name": "x", "train": { "config": { "lr": "eta" } } }""",
        "my-app.json $.train.config.lr: \"eta\" is not a FLIP setting; expected one such as learning-rate, local-steps or batch-size.")]
    [InlineData("""{ "name": "x", "evaluate": { "num-examples": "all" } }""",
        "my-app.json $.evaluate.num-examples: \"all\"; expected one of site, batch, steps-x-batch.")]
    [InlineData("""{ "name": "x", "trian": {} }""",
        "my-app.json $.trian: an unknown property; expected one of $schema, name, description, model, data, num-examples-key, train, evaluate.")]
    [InlineData("""{ "train": {} }""", "my-app.json $.name: missing; expected the contract's name.")]
    [InlineData("""{ "name": "x", "model": { "base-channels": 0 } }""", "my-app.json $.model.base-channels: 0; expected a whole number ≥ 1.")]
    [InlineData("""{ "name": "x", "train": { "metrics": { "num-examples": "loss" } } }""",
        "my-app.json $.train.metrics.num-examples: the example count key; expected other keys (the example count is added by the node, see num-examples).")]
    public void A_bad_contract_names_the_JSON_path_what_was_found_and_what_was_expected(string json, string message)
    {
        var e = Assert.Throws<AppContractException>(() => AppContract.Parse(json, "my-app.json"));

        Assert.Equal(message, e.Message);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
    }

    [Fact]
    public void An_app_that_is_neither_a_file_nor_a_preset_names_the_presets()
    {
        var e = Assert.Throws<AppContractException>(() => AppContract.Load("no-such-app"));

        Assert.Equal("--app no-such-app: no such file and no built-in app contract of that name; expected a contract file (JSON) or one of flip, flower-unetapp, slim-unet.", e.Message);
        Assert.Equal(ExitCodes.BadCommandLine, e.ExitCode);
    }

    [Fact]
    public void A_contract_file_is_read_like_a_preset()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("flip-app-contract-").FullName, "app.json");
        File.WriteAllText(file, """
            {
              // comments are allowed
              "name": "hospital-app",
              "data": "manifest",
              "num-examples-key": "n",
              "train": { "config": { "epochs": "local-epochs" }, "metrics": { "l": "loss" }, "num-examples": "steps-x-batch" },
            }
            """);

        AppContract contract = AppContract.Load(file);

        Assert.Equal("hospital-app", contract.Name);
        Assert.Equal(AppDataSource.Manifest, contract.Data);
        Assert.Equal("n", contract.ExampleCountKey);
        Assert.Equal(ConfigKeys.LocalEpochs, contract.Train.Config!["epochs"]);
        Assert.Equal(ExampleCount.StepsTimesBatch, contract.Train.Examples);
        Assert.Null(contract.Evaluate.Metrics);
    }

    [Fact]
    public void The_committed_schema_lists_what_the_reader_accepts()
    {
        using JsonDocument schema = JsonDocument.Parse(File.ReadAllText(SchemaPath()));
        JsonElement root = schema.RootElement;
        JsonElement step = root.GetProperty("$defs").GetProperty("step").GetProperty("properties");

        Assert.Equal(AppContractReader.Properties, root.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(AppContractReader.StepProperties, step.EnumerateObject().Select(p => p.Name));
        Assert.Equal(AppContractReader.ModelProperties, root.GetProperty("properties").GetProperty("model").GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(ConfigKeys.All.Where(k => k != ConfigKeys.Round),
            step.GetProperty("config").GetProperty("additionalProperties").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(AppContractReader.Counts.Keys, step.GetProperty("num-examples").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(AppContractReader.Sources.Keys, root.GetProperty("properties").GetProperty("data").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    private static string SchemaPath()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "src", "Flip.Flower", "Apps", "app-contract.schema.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"no src/Flip.Flower/Apps/app-contract.schema.json above {AppContext.BaseDirectory}");
    }
}
