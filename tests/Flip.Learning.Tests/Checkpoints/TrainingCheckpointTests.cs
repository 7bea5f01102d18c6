using Flip.Federated;
using Flip.Learning.Checkpoints;
using Flip.Learning.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Flip.Learning.Tests.Checkpoints;

[Collection("Torch")]
public sealed class TrainingCheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static void Step(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y)
    {
        optimizer.zero_grad();
        using Tensor loss = nn.functional.cross_entropy(model.forward(x), y);
        loss.backward();
        optimizer.step();
    }

    [Fact]
    public void A_restored_model_and_Adam_state_continue_exactly_like_the_original()
    {
        // Given: a model trained three Adam steps, checkpointed
        torch.manual_seed(0);
        using Tensor x = torch.randn(4, 3, 16, 16);
        using Tensor y = torch.randint(0, 2, [4, 16, 16], dtype: ScalarType.Int64);
        using var original = new UNet2D(3, 2, 4, levels: 3);
        using var adam = optim.Adam(original.parameters(), lr: 1e-2);
        for (int i = 0; i < 3; i++)
        {
            Step(original, adam, x, y);
        }

        TrainingCheckpoint.Save(_folder, original, adam);

        // When: a fresh model and optimizer load it, and both take one more step
        torch.manual_seed(42);
        using var restored = new UNet2D(3, 2, 4, levels: 3);
        using var restoredAdam = optim.Adam(restored.parameters(), lr: 1e-2);
        TrainingCheckpoint.Load(_folder, restored, restoredAdam);
        Step(original, adam, x, y);
        Step(restored, restoredAdam, x, y);

        // Then: identical, which needs Adam's moments and step count, not just the weights
        Assert.True(original.ToParameterSet().ContentEquals(restored.ToParameterSet()));
        Assert.True(File.Exists(Path.Combine(_folder, TrainingCheckpoint.ModelFileName)));
    }

    [Fact]
    public void A_checkpoint_without_optimizer_state_says_so()
    {
        using var model = new UNet2D(3, 2, 4, levels: 3);
        TrainingCheckpoint.Save(_folder, model, optimizer: null);
        using var adam = optim.Adam(model.parameters());

        var error = Assert.Throws<FlipException>(() => TrainingCheckpoint.Load(_folder, model, adam));

        Assert.Contains("has no optimizer.bin; it was saved without optimizer state", error.Message);
    }
}
