using Flip.Learning.Models;

namespace Flip.Learning.Tests.Models;

public sealed class ModelRecipeTests
{
    [Fact]
    public void A_recipe_survives_run_json_and_builds_the_model_it_names()
    {
        var recipe = new ModelRecipe { InputChannels = 1, Classes = 3, BaseChannels = 4, Normalization = Normalization.Group, Levels = 3 };

        ModelRecipe read = ModelRecipe.FromSettings(recipe.ToSettings(), "run.json");
        using UNet model = read.Build();
        using var output = model.forward(TorchSharp.torch.zeros(1, 1, 16, 16));

        Assert.Equal(recipe, read);
        Assert.Equal([1L, 3, 16, 16], output.shape);
        Assert.Equal("unet2d (1 → 3 classes, base 4, group norm, 3 levels)", read.ToString());
    }

    [Fact]
    public void The_default_recipe_is_W1()
    {
        using UNet recipe = new ModelRecipe().Build();
        using var w1 = new UNet2D();

        Assert.Equal(w1.ToParameterSet().Layout, recipe.ToParameterSet().Layout);
    }

    [Theory]
    [InlineData("input-channels", "0", "run.json: $.model.input-channels is \"0\"; expected a whole number ≥ 1.")]
    [InlineData("normalization", "layer", "run.json: $.model.normalization is \"layer\"; expected batch, instance or group.")]
    [InlineData("normalization", "1", "run.json: $.model.normalization is \"1\"; expected batch, instance or group.")]
    [InlineData("architecture", "resnet", "run.json: $.model.architecture is \"resnet\"; expected \"unet2d\".")]
    public void A_damaged_value_is_named_by_its_json_path(string key, string value, string message)
    {
        var settings = new Dictionary<string, string>(new ModelRecipe().ToSettings()) { [key] = value };

        var error = Assert.Throws<FlipException>(() => ModelRecipe.FromSettings(settings, "run.json"));

        Assert.Equal(message, error.Message);
        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
    }

    [Fact]
    public void A_missing_key_is_named()
    {
        var settings = new Dictionary<string, string>(new ModelRecipe().ToSettings());
        settings.Remove("levels");

        var error = Assert.Throws<FlipException>(() => ModelRecipe.FromSettings(settings, "run.json"));

        Assert.Equal("run.json: $.model.levels is missing; expected the value the run recorded.", error.Message);
    }
}
