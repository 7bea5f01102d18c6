using TorchSharp;
using static TorchSharp.torch;

namespace Flip.Learning.Training;

/// <summary>
/// One model on one device that several simulated sites take turns on: each site's state is
/// loaded in before it trains, so memory holds one model per worker, not one per site.
/// </summary>
public sealed class ModelWorkspace : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates the workspace and its model.</summary>
    /// <param name="createModel">Builds the model (called once).</param>
    /// <param name="device">Where the model lives.</param>
    public ModelWorkspace(Func<nn.Module<Tensor, Tensor>> createModel, Device device)
    {
        ArgumentNullException.ThrowIfNull(createModel);
        Device = device;
        Model = createModel();
        Model.to(device);
    }

    /// <summary>The shared model.</summary>
    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>The device the model lives on.</summary>
    public Device Device { get; }

    /// <summary>Waits for the model to be free.</summary>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>A lease; dispose it to hand the model on.</returns>
    public async Task<IDisposable> AcquireAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        return new Lease(_gate);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        _gate.Dispose();
    }

    private sealed class Lease(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
