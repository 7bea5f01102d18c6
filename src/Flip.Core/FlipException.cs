namespace Flip;

/// <summary>
/// An error a user can act on: it says where (file, offset, tag, JSON path), what was found,
/// what was expected and, when there is one, the fix.
/// </summary>
/// <remarks>
/// The command line catches this type at the top, prints <see cref="Exception.Message"/> and
/// <see cref="Fix"/> as one or two sentences and exits with <see cref="ExitCode"/>. Any other
/// exception is a bug. Subtypes per domain build their messages in static factories, one per
/// failure case, so each message is written once (STYLE.md §4).
/// </remarks>
public class FlipException : Exception
{
    /// <summary>Creates an error with a message, an exit code and an optional fix.</summary>
    /// <param name="message">Where, what was found, what was expected.</param>
    /// <param name="exitCode">One of <see cref="ExitCodes"/>.</param>
    /// <param name="fix">What the user can do about it, or <see langword="null"/>.</param>
    /// <param name="inner">The exception that caused this one, kept for its details.</param>
    public FlipException(string message, int exitCode = ExitCodes.BadInput, string? fix = null, Exception? inner = null)
        : base(message, inner)
    {
        ExitCode = exitCode;
        Fix = fix;
    }

    /// <summary>The process exit code the command line returns for this error.</summary>
    public int ExitCode { get; }

    /// <summary>What the user can do about it, or <see langword="null"/> when nothing obvious helps.</summary>
    public string? Fix { get; }

    /// <summary>The message followed by the fix, as the command line prints it.</summary>
    /// <returns>One line, or two when there is a fix.</returns>
    public string ToUserText() => Fix is null ? Message : $"{Message} Fix: {Fix}";
}
