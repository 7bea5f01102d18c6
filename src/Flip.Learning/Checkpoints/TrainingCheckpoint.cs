using Flip.Learning.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Flip.Learning.Checkpoints;

/// <summary>Saves and restores a model with its optimizer state, so local training resumes exactly where it stopped.</summary>
/// <remarks>
/// The model goes to <c>model.safetensors</c> (<see cref="SafetensorsFile"/>, loadable from PyTorch) and
/// the optimizer's state (Adam's moments, SGD's momentum buffers) to <c>optimizer.bin</c> in
/// TorchSharp's format with a SHA-256 sidecar <c>optimizer.bin.sha256</c> (the model file carries its own
/// hash). Both are written to temporary names and renamed; <see cref="Load"/> verifies both hashes and
/// refuses a changed file with <see cref="Flip.Federated.Runs.CorruptFileException"/>.
/// </remarks>
public static class TrainingCheckpoint
{
    /// <summary>The model file inside a checkpoint folder.</summary>
    public const string ModelFileName = "model.safetensors";

    /// <summary>The optimizer file inside a checkpoint folder.</summary>
    public const string OptimizerFileName = "optimizer.bin";

    /// <summary>Writes the checkpoint.</summary>
    /// <param name="folder">The checkpoint folder (created if missing).</param>
    /// <param name="model">The model.</param>
    /// <param name="optimizer">Its optimizer, or <see langword="null"/> for a model-only checkpoint.</param>
    public static void Save(string folder, nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer)
    {
        Directory.CreateDirectory(folder);
        SafetensorsFile.Write(Path.Combine(folder, ModelFileName), model.ToParameterSet());
        if (optimizer is not null)
        {
            string path = Path.Combine(folder, OptimizerFileName);
            string temporary = path + ".tmp";
            optimizer.save_state_dict(temporary);
            Flip.Federated.Runs.FileHash.WriteSidecar(path, temporary);
            File.Move(temporary, path, overwrite: true);
        }
    }

    /// <summary>Restores a checkpoint into a model of the same layout and an optimizer over its parameters.</summary>
    /// <param name="folder">The checkpoint folder.</param>
    /// <param name="model">The model to load into.</param>
    /// <param name="optimizer">The optimizer to load into, or <see langword="null"/>.</param>
    /// <exception cref="FlipException">A file is missing or does not match the model.</exception>
    /// <exception cref="Flip.Federated.Runs.CorruptFileException">A file's SHA-256 differs from the one recorded when it was saved.</exception>
    public static void Load(string folder, nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer)
    {
        string modelPath = Path.Combine(folder, ModelFileName);
        if (!File.Exists(modelPath))
        {
            throw new FlipException($"checkpoint '{folder}' has no {ModelFileName}.", ExitCodes.BadInput);
        }

        model.Load(SafetensorsFile.Read(modelPath));
        if (optimizer is not null)
        {
            string optimizerPath = Path.Combine(folder, OptimizerFileName);
            if (!File.Exists(optimizerPath))
            {
                throw new FlipException($"checkpoint '{folder}' has no {OptimizerFileName}; it was saved without optimizer state.", ExitCodes.BadInput);
            }

            Flip.Federated.Runs.FileHash.VerifySidecar(optimizerPath);
            optimizer.load_state_dict(optimizerPath);
        }
    }
}
