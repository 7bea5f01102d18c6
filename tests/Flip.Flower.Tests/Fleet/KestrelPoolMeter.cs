using System.Diagnostics.Metrics;

namespace Flip.Flower.Tests.Fleet;

/// <summary>Bytes Kestrel's memory pools have handed out and not got back, from the .NET 10 <c>aspnetcore.memory_pool.*</c> instruments.</summary>
internal sealed class KestrelPoolMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly object _gate = new();
    private long _allocated;
    private long _evicted;
    private long _pooled;
    private long _peak;

    public KestrelPoolMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name.StartsWith("aspnetcore.memory_pool.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Record(instrument.Name, value));
        _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Record(instrument.Name, value));
        _listener.Start();
    }

    /// <summary>Starts a new peak from the bytes in use now.</summary>
    /// <returns>The bytes in use now.</returns>
    public long ResetPeak()
    {
        lock (_gate)
        {
            _peak = _allocated - _evicted - _pooled;
            return _peak;
        }
    }

    public long PeakInUse
    {
        get
        {
            lock (_gate)
            {
                return _peak;
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(string name, long value)
    {
        lock (_gate)
        {
            switch (name)
            {
                case "aspnetcore.memory_pool.allocated": _allocated += value; break;
                case "aspnetcore.memory_pool.evicted": _evicted += value; break;
                case "aspnetcore.memory_pool.pooled": _pooled += value; break;
                default: return;
            }

            _peak = Math.Max(_peak, _allocated - _evicted - _pooled);
        }
    }
}
