using Flip.Datasets.Samples;
using Flip.Federated;
using Flip.Learning.Devices;
using Flip.Learning.Models;
using Flip.Learning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Flip.Cli.Tests;

/// <summary>
/// The --device path on a CPU build (CI has no GPU): device names resolve as documented, a CUDA request without CUDA is one clear
/// error naming the package to reference, and the workloads move their model and batches to the chosen device.
/// </summary>
public sealed class DeviceTests : IDisposable
{
    private const string NoCuda = "asked for CUDA, and no CUDA device is available.";
    private const string Fix = "reference TorchSharp-cuda-linux (Windows: TorchSharp-cuda-windows) instead and rebuild (README, 'Using a GPU'); otherwise use --device cpu.";

    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-device-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static bool Cuda => torch.cuda.is_available();

    [Fact]
    public void Device_names_resolve_as_documented_and_unknown_ones_are_a_command_line_error()
    {
        Assert.Equal(DeviceType.CPU, DeviceChoice.Resolve("cpu").type);
        Assert.Equal(DeviceType.CPU, DeviceChoice.Resolve(" CPU ").type);
        Assert.Equal(Cuda ? DeviceType.CUDA : DeviceType.CPU, DeviceChoice.Resolve("auto").type);

        var unknown = Assert.Throws<FlipException>(() => DeviceChoice.Resolve("tpu"));
        Assert.Equal(ExitCodes.BadCommandLine, unknown.ExitCode);
        Assert.Equal("device 'tpu' is not one of auto, cpu, cuda, cuda:N.", unknown.Message);
    }

    [Fact]
    public void Asking_for_CUDA_without_it_is_an_environment_error_that_names_the_package_to_reference()
    {
        if (Cuda)
        {
            Assert.Equal(DeviceType.CUDA, DeviceChoice.Resolve("cuda").type);
            return;
        }

        foreach (string name in new[] { "cuda", "cuda:1" })
        {
            var error = Assert.Throws<FlipException>(() => DeviceChoice.Resolve(name));
            Assert.Equal(ExitCodes.Environment, error.ExitCode);
            Assert.Equal($"device '{name}' {NoCuda}", error.Message);
            Assert.EndsWith(Fix, error.Fix, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Simulate_with_cuda_on_a_CPU_build_exits_4_with_the_fix_and_writes_no_run_folder()
    {
        string run = Path.Combine(_folder, "run");

        CliProcess.Result result = CliProcess.Run("simulate", "--device", "cuda", "--scale", "0.005", "--rounds", "1", "--strategy", "fedavg", "--out", run);

        if (Cuda)
        {
            Assert.True(result.ExitCode == 0, result.All);
            return;
        }

        Assert.Equal(ExitCodes.Environment, result.ExitCode);
        Assert.Contains($"device 'cuda' {NoCuda}", result.All, StringComparison.Ordinal);
        Assert.Contains(Fix, result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run), "a refused run leaves no folder");
    }

    [Fact]
    public void Bench_with_cuda_on_a_CPU_build_exits_4_before_starting_a_workload_process()
    {
        CliProcess.Result result = CliProcess.Run("bench", "--workload", "w1-inference", "--device", "cuda:0", "--json");

        if (Cuda)
        {
            Assert.True(result.ExitCode == 0, result.All);
            return;
        }

        Assert.Equal(ExitCodes.Environment, result.ExitCode);
        Assert.Contains($"device 'cuda:0' {NoCuda}", result.All, StringComparison.Ordinal);
        Assert.Contains(Fix, result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("\"schema\"", result.Output, StringComparison.Ordinal); // no report, not even half of one
    }

    [Fact]
    public async Task The_site_trainer_on_device_auto_moves_its_model_and_batches_there_and_trains()
    {
        // Given: eight 32×32 slices of one patient, half with a lesion square, and a small U-Net in a workspace on the resolved device.
        const int slices = 8, size = 32;
        var images = new float[slices * 3 * size * size];
        var masks = new long[slices * size * size];
        var random = new Random(3);
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = (float)random.NextDouble();
        }

        for (int n = 0; n < slices; n += 2)
        {
            for (int y = 10; y < 20; y++)
            {
                for (int x = 10; x < 20; x++)
                {
                    masks[(n * size * size) + (y * size) + x] = 1;
                }
            }
        }

        var set = new SliceSet(3, size, size, images, masks, new int[slices], [new SamplePatient("device-test/p1", true)]);
        Device device = DeviceChoice.Resolve("auto");
        torch.manual_seed(0);
        using var workspace = new ModelWorkspace(() => new UNet2D(3, 2, baseChannels: 4, levels: 2), device);
        var trainer = new SegmentationSiteTrainer(set, set, workspace, new TrainerOptions { BatchSize = 4, Augment = false });
        ParameterSet global = workspace.Model.ToParameterSet();

        // When: one round of training (each batch moved to the device) and one evaluation.
        SiteUpdate update = await trainer.TrainAsync(global, new TrainConfig { Round = 1, LearningRate = 1e-2, Seed = 1 }, new SiteState(), CancellationToken.None);
        SiteEvaluation evaluation = await trainer.EvaluateAsync(update.Parameters, new EvaluateConfig { Round = 1 }, new SiteState(), CancellationToken.None);

        // Then: the model lives on the device, the update differs from the global model, and evaluation saw every slice.
        Assert.Equal(Cuda ? DeviceType.CUDA : DeviceType.CPU, device.type);
        Assert.All(workspace.Model.parameters(), p => Assert.Equal(device.type, p.device_type));
        Assert.Equal(slices, update.ExampleCount);
        Assert.Equal(global.Layout, update.Parameters.Layout);
        Assert.False(global[0].AsFloat32().Span.SequenceEqual(update.Parameters[0].AsFloat32().Span), "the first convolution's weights changed");
        Assert.True(evaluation.ExampleCount > 0);
    }
}
