namespace Flip.Federated.Runs;

/// <summary>A file's SHA-256 differs from the one recorded when it was written: its bytes changed (disk fault, partial copy, tampering) and it is not loaded.</summary>
public sealed class CorruptFileException : FlipException
{
    private CorruptFileException(string message, string file, string expected, string actual)
        : base(message, ExitCodes.BadInput, "restore the file from a backup or copy it again; for a run checkpoint, resume from an earlier round or start a new run.")
    {
        File = file;
        ExpectedSha256 = expected;
        ActualSha256 = actual;
    }

    /// <summary>The file.</summary>
    public string File { get; }

    /// <summary>The SHA-256 recorded when the file was written (lower-case hex).</summary>
    public string ExpectedSha256 { get; }

    /// <summary>The SHA-256 of the bytes read now (lower-case hex).</summary>
    public string ActualSha256 { get; }

    /// <summary>The recorded and the computed hash differ.</summary>
    /// <param name="file">The file.</param>
    /// <param name="expected">The recorded SHA-256 (hex).</param>
    /// <param name="actual">The computed SHA-256 (hex).</param>
    /// <param name="recordedIn">Where the expected hash is kept, e.g. "its last 32 bytes".</param>
    /// <returns>The exception.</returns>
    public static CorruptFileException HashMismatch(string file, string expected, string actual, string recordedIn)
        => new($"{file}: SHA-256 mismatch: expected {expected} (recorded in {recordedIn} when the file was written), actual {actual}; the file's bytes have changed since, so it was not loaded.",
            file, expected, actual);
}
