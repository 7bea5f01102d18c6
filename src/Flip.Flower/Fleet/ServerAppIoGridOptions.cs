namespace Flip.Flower.Fleet;

/// <summary>How a <see cref="ServerAppIoGrid"/> talks to the SuperLink.</summary>
public sealed record ServerAppIoGridOptions
{
    /// <summary>How often outstanding replies are pulled (Flower's <c>send_and_receive</c> polls every 3 s).</summary>
    /// <value>0.5 seconds.</value>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Each instruction's time to live: the SuperLink answers with an error once it has passed unanswered.</summary>
    /// <value>12 hours (Flower's <c>DEFAULT_TTL</c> is 12 h too).</value>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromHours(12);
}
