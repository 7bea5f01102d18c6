using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Flip.Learning.Devices;

/// <summary>Turns <c>--device auto|cpu|cuda|cuda:N</c> into a TorchSharp device.</summary>
public static class DeviceChoice
{
    /// <summary>Resolves a device name.</summary>
    /// <param name="name"><c>auto</c> (CUDA when present, else CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</param>
    /// <returns>The device.</returns>
    /// <exception cref="FlipException">The name is not one of those, or CUDA was asked for and is not there.</exception>
    public static Device Resolve(string name)
    {
        string value = (name ?? "auto").Trim().ToLowerInvariant();
        if (value == "auto")
        {
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        }

        if (value == "cpu")
        {
            return torch.CPU;
        }

        if (value == "cuda" || value.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
            {
                throw new FlipException($"device '{name}' asked for CUDA, and no CUDA device is available.", ExitCodes.Environment,
                    "this build references TorchSharp-cpu: on a machine with an NVIDIA GPU and a CUDA 12 driver, reference TorchSharp-cuda-linux " +
                    "(Windows: TorchSharp-cuda-windows) instead and rebuild (README, 'Using a GPU'); otherwise use --device cpu.");
            }

            if (value == "cuda")
            {
                return torch.CUDA;
            }

            if (int.TryParse(value.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < torch.cuda.device_count())
            {
                return torch.device(DeviceType.CUDA, index);
            }

            throw new FlipException($"device '{name}': expected cuda:N with N below {torch.cuda.device_count()}.", ExitCodes.BadCommandLine);
        }

        throw new FlipException($"device '{name}' is not one of auto, cpu, cuda, cuda:N.", ExitCodes.BadCommandLine);
    }
}
