namespace Flip.Flower.Tests.Fleet;

/// <summary>A clock the test sets; timers are not supported (the tests never wait on this clock).</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
