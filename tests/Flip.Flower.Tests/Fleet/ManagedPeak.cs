namespace Flip.Flower.Tests.Fleet;

/// <summary>
/// The highest managed heap size (<see cref="GC.GetTotalMemory(bool)"/>, live and not yet collected objects) seen while it runs,
/// sampled every millisecond on its own thread, above the level after a full collection at its start.
/// </summary>
/// <remarks>Server and nodes share the test process, so this is the peak of both; tests bound it by a multiple of the model.</remarks>
internal sealed class ManagedPeak : IDisposable
{
    private readonly Thread _thread;
    private readonly long _base;
    private volatile bool _stop;
    private long _peak;

    public ManagedPeak()
    {
        _base = GC.GetTotalMemory(forceFullCollection: true);
        _peak = _base;
        _thread = new Thread(() =>
        {
            while (!_stop)
            {
                long now = GC.GetTotalMemory(false);
                if (now > Interlocked.Read(ref _peak))
                {
                    Interlocked.Exchange(ref _peak, now);
                }

                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "managed-peak" };
        _thread.Start();
    }

    /// <summary>Bytes above the starting level at the highest sample.</summary>
    public long Peak => Interlocked.Read(ref _peak) - _base;

    /// <summary>Bytes live now above the starting level (after a full collection).</summary>
    public long Held => GC.GetTotalMemory(forceFullCollection: true) - _base;

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
