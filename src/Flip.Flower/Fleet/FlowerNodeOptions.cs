namespace Flip.Flower.Fleet;

/// <summary>Timing and concurrency of a <see cref="FlowerNode"/>; the defaults are Flower 1.27 SuperNode's.</summary>
public sealed record FlowerNodeOptions
{
    /// <summary>Heartbeat interval announced to the server (accepted range 10–1800 s).</summary>
    /// <value>30 seconds.</value>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pause after a <c>PullMessages</c> that returned nothing.</summary>
    /// <value>3 seconds.</value>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Pause before asking again for an object the server has not got yet (<c>object_available=false</c>).</summary>
    /// <value>0.5 seconds.</value>
    public TimeSpan ObjectRetryDelay { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>How many times to ask for a not-yet-available object before giving up.</summary>
    /// <value>120 (one minute at the default delay).</value>
    public int ObjectRetries { get; init; } = 120;

    /// <summary>Object uploads and downloads in flight at once.</summary>
    /// <value>4.</value>
    public int MaxConcurrentObjectTransfers { get; init; } = 4;

    /// <summary>Whether to call <c>GetRun</c> for the first message of each run (its <c>Run</c> goes into <see cref="FlowerInstruction.Run"/>).</summary>
    /// <value><see langword="true"/>, as Flower's SuperNode does.</value>
    public bool FetchRunInfo { get; init; } = true;

    /// <summary>Longest pause between reconnection attempts when the server is unreachable.</summary>
    /// <value>30 seconds; the back-off starts at 1 s and doubles, and each wait is a random 50–100 % of it (jitter).</value>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// What one instruction from the server may cost this node: objects in its tree, bytes downloaded, bytes of the arrays
    /// rebuilt from its chunks (each array once, its declared shape matching its chunks), array names. A server that sends more
    /// is refused before the node allocates for it.
    /// </summary>
    /// <value><see cref="Objects.ObjectBudget"/>'s defaults: 1 GiB, 100,000 objects, 100,000 arrays (a model larger than 1 GiB needs more).</value>
    public Objects.ObjectBudget InstructionBudget { get; init; } = new();

    /// <summary>Checks the options.</summary>
    /// <returns>Every problem, empty when valid.</returns>
    public IEnumerable<string> Validate()
    {
        if (HeartbeatInterval < TimeSpan.FromSeconds(10) || HeartbeatInterval > TimeSpan.FromSeconds(1800))
        {
            yield return $"HeartbeatInterval must be 10–1800 s, as the SuperLink requires (got {HeartbeatInterval.TotalSeconds} s).";
        }

        if (PollInterval < TimeSpan.Zero)
        {
            yield return $"PollInterval must be ≥ 0 (got {PollInterval}).";
        }

        if (MaxConcurrentObjectTransfers < 1)
        {
            yield return $"MaxConcurrentObjectTransfers must be ≥ 1 (got {MaxConcurrentObjectTransfers}).";
        }

        if (ObjectRetries < 0)
        {
            yield return $"ObjectRetries must be ≥ 0 (got {ObjectRetries}).";
        }
    }
}
