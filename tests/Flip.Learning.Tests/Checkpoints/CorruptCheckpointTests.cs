using Flip.Federated;
using Flip.Federated.Runs;
using Flip.Learning.Checkpoints;
using Flip.Learning.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Flip.Learning.Tests.Checkpoints;

/// <summary>Safetensors models and training checkpoints with a flipped byte are refused by their SHA-256, not loaded.</summary>
[Collection("Torch")]
public sealed class CorruptCheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-corrupt-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static void FlipByte(string path, long position)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bytes[position] ^= 0x10;
        File.WriteAllBytes(path, bytes);
    }

    private static ParameterSet Sample() => ParameterSet.Create(
        ParameterArray.Float32("conv.weight", [2, 3], [1, 2, 3, 4, 5, 6]),
        ParameterArray.Int64("bn.num_batches_tracked", [], [7]));

    [Fact]
    public void A_safetensors_file_with_a_flipped_value_byte_is_refused_naming_the_file_and_both_hashes()
    {
        string path = Path.Combine(_folder, "final-model.safetensors");
        SafetensorsFile.Write(path, Sample());
        Assert.True(SafetensorsFile.Read(path).ContentEquals(Sample()));
        FlipByte(path, new FileInfo(path).Length - 3); // inside the last tensor's data

        var error = Assert.Throws<CorruptFileException>(() => SafetensorsFile.Read(path));

        Assert.Equal(path, error.File);
        Assert.StartsWith($"{path}: SHA-256 mismatch: expected {error.ExpectedSha256} (recorded in its header's __metadata__.flip-sha256 when the file was written), actual {error.ActualSha256};", error.Message);
        Assert.NotEqual(error.ExpectedSha256, error.ActualSha256);
    }

    [Fact]
    public void A_safetensors_file_with_a_renamed_tensor_is_refused()
    {
        string path = Path.Combine(_folder, "m.safetensors");
        SafetensorsFile.Write(path, Sample());
        byte[] bytes = File.ReadAllBytes(path);
        int at = System.Text.Encoding.ASCII.GetString(bytes).IndexOf("conv.weight", StringComparison.Ordinal);
        FlipByte(path, at); // 'c' → 's': still valid JSON, another tensor name

        Assert.Throws<CorruptFileException>(() => SafetensorsFile.Read(path));
    }

    [Fact]
    public void A_training_checkpoint_with_a_flipped_optimizer_byte_is_refused_before_loading()
    {
        using var model = new UNet2D(3, 2, 4, levels: 3);
        using var adam = optim.Adam(model.parameters(), lr: 1e-2);
        TrainingCheckpoint.Save(_folder, model, adam);
        string optimizerPath = Path.Combine(_folder, TrainingCheckpoint.OptimizerFileName);
        Assert.True(File.Exists(optimizerPath + ".sha256"));
        FlipByte(optimizerPath, new FileInfo(optimizerPath).Length / 2);

        var error = Assert.Throws<CorruptFileException>(() => TrainingCheckpoint.Load(_folder, model, adam));

        Assert.Equal(optimizerPath, error.File);
        Assert.Contains("recorded in optimizer.bin.sha256", error.Message);
    }

    [Fact]
    public void A_training_checkpoint_with_a_flipped_model_byte_is_refused()
    {
        using var model = new UNet2D(3, 2, 4, levels: 3);
        TrainingCheckpoint.Save(_folder, model, optimizer: null);
        string modelPath = Path.Combine(_folder, TrainingCheckpoint.ModelFileName);
        FlipByte(modelPath, new FileInfo(modelPath).Length - 100);

        var error = Assert.Throws<CorruptFileException>(() => TrainingCheckpoint.Load(_folder, model, optimizer: null));

        Assert.Equal(modelPath, error.File);
    }
}
