using Flip.Learning.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace Flip.Learning.Tests.Devices;

[Collection("Torch")]
public sealed class TinyTrainingTests
{
    [Fact]
    public void TorchSharp_loads_and_a_tiny_model_learns()
    {
        // Given: two Gaussian blobs, labels 0 and 1, and a two-layer network
        torch.manual_seed(1234);
        using var disposeScope = torch.NewDisposeScope();
        Tensor centers = torch.tensor(new float[] { -1.5f, -1.5f, 1.5f, 1.5f }).reshape(2, 2);
        Tensor labels = torch.arange(64, dtype: ScalarType.Int64) % 2;
        Tensor inputs = centers.index_select(0, labels) + torch.randn(64, 2);
        var model = nn.Sequential(("hidden", nn.Linear(2, 16)), ("relu", nn.ReLU()), ("out", nn.Linear(16, 2)));
        var optimizer = optim.Adam(model.parameters(), lr: 0.05);
        var loss = nn.CrossEntropyLoss();

        // When: 40 full-batch steps
        var losses = new List<float>();
        for (int step = 0; step < 40; step++)
        {
            optimizer.zero_grad();
            Tensor value = loss.forward(model.forward(inputs), labels);
            value.backward();
            optimizer.step();
            losses.Add(value.item<float>());
        }

        // Then: the loss falls to a fraction of where it started and the blobs are separated
        Assert.True(losses[^1] < 0.3f * losses[0], $"loss went from {losses[0]} to {losses[^1]}");
        using (torch.no_grad())
        {
            Tensor predicted = model.forward(inputs).argmax(1);
            double accuracy = predicted.eq(labels).to_type(ScalarType.Float32).mean().item<float>();
            Assert.True(accuracy > 0.9, $"accuracy {accuracy}");
        }
    }

    [Fact]
    public void Probe_reports_a_loaded_native_library_with_versions()
    {
        TorchEnvironmentReport report = TorchEnvironment.Probe();

        Assert.True(report.NativeLoaded, report.LoadError);
        Assert.Equal("0.107.0", report.TorchSharpVersion);
        Assert.Equal("libtorch-cpu/2.10.0", report.LibTorchPackage);
        Assert.NotNull(report.NativeLibraryPath);
        // The copy next to the TorchSharp assembly that is loaded (the build's, patched where needed), not the NuGet cache's.
        Assert.StartsWith(Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location)!, report.NativeLibraryPath);
        Assert.True(report.Threads >= 1);
        Assert.False(report.CudaAvailable && report.CudaDeviceCount == 0);
    }
}
