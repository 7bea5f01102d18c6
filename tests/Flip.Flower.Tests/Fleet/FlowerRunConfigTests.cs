using System.Text;
using Flip.Flower.Fleet;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Tests.Fleet;

/// <summary>The run config FLIP's ServerApp reads: the FAB's pyproject.toml defaults, then the run's overrides, as Flower fuses them.</summary>
public sealed class FlowerRunConfigTests
{
    private const string PyProject = """
        [project]
        name = "unetapp"
        version = "1.0.0"

        [tool.flwr.app.config]
        num-server-rounds = 2
        strategy = "fedavg"   # FLIP's key
        lr = 0.001
        restore-dtypes = false
        big = 1_000

        [tool.flwr.federations]
        num-server-rounds = 99
        """;

    private static byte[] Fab() => FlowerAppBundle.Build(new Dictionary<string, byte[]> { [FlowerAppBundle.ConfigFile] = Encoding.UTF8.GetBytes(PyProject) }, "pub/unetapp", "1.0.0").Content;

    [Fact]
    public void Defaults_come_from_the_apps_config_table_only_and_the_runs_overrides_win()
    {
        var overrides = new Dictionary<string, W.Scalar> { ["strategy"] = new W.Scalar { String = "fedbn" } };

        FlowerRunConfig config = FlowerRunConfig.Fuse(Fab(), overrides, "run 7");

        Assert.Equal(2, config.GetInt("num-server-rounds", 3));
        Assert.Equal("fedbn", config.GetString("strategy", "fedavg"));
        Assert.Equal(1000, config.GetInt("big", 0));
        Assert.Equal(0.001, config.Values["lr"].Double);
        Assert.False(config.Values["restore-dtypes"].Bool);
        Assert.Equal(16, config.GetInt("base-channels", 16));
        Assert.False(config.Contains("base-channels"));
    }

    [Fact]
    public void A_value_of_the_wrong_kind_is_refused_naming_the_run_the_key_and_what_was_expected()
    {
        var overrides = new Dictionary<string, W.Scalar> { ["num-server-rounds"] = new W.Scalar { Double = 2.5 } };
        FlowerRunConfig config = FlowerRunConfig.Fuse(Fab(), overrides, "run 7");

        var e = Assert.Throws<FlipException>(() => config.GetInt("num-server-rounds", 3));

        Assert.Equal("run 7: run config 'num-server-rounds' is 2.5; expected a whole number.", e.Message);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
        Assert.Throws<FlipException>(() => config.GetString("lr", "x"));
    }
}
