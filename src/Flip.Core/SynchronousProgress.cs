namespace Flip;

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the caller's thread, at once and in order (unlike
/// <see cref="Progress{T}"/>, which posts to a synchronisation context): for progress bars, phase timers and logs that
/// must see every round before the next one starts.
/// </summary>
/// <typeparam name="T">What is reported.</typeparam>
/// <param name="handler">Receives each report.</param>
public sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    /// <inheritdoc />
    public void Report(T value) => handler(value);
}
