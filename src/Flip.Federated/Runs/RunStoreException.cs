namespace Flip.Federated.Runs;

/// <summary>A run folder cannot be created, read or resumed.</summary>
public sealed class RunStoreException : FlipException
{
    private RunStoreException(string message, int exitCode, string? fix, Exception? inner = null)
        : base(message, exitCode, fix, inner)
    {
    }

    /// <summary>A run folder already holds a run.</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>The exception.</returns>
    public static RunStoreException AlreadyExists(string folder)
        => new($"{Path.Combine(folder, RunStore.RunFileName)} already exists; a run folder holds one run.", ExitCodes.BadCommandLine, "choose a new folder, or resume that run with --resume.");

    /// <summary>A folder given for resuming holds no run.</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>The exception.</returns>
    public static RunStoreException NotARun(string folder)
        => new($"{folder}: no {RunStore.RunFileName}; this is not a run folder.", ExitCodes.BadCommandLine, "pass the folder a previous run wrote (it has run.json, metrics.csv and checkpoints/).");

    /// <summary>A run's recorded settings differ from those it is being resumed with.</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="field">The differing setting.</param>
    /// <param name="recorded">What run.json says.</param>
    /// <param name="given">What the resuming simulation has.</param>
    /// <returns>The exception.</returns>
    public static RunStoreException DoesNotMatch(string folder, string field, string recorded, string given)
        => new($"{Path.Combine(folder, RunStore.RunFileName)}: {field} is {recorded}, the resuming simulation has {given}.", ExitCodes.BadCommandLine, "resume with the same strategy, seed and sites the run started with.");

    /// <summary>A file of the run is malformed.</summary>
    /// <param name="file">The file.</param>
    /// <param name="detail">Where and what: line or offset, found, expected.</param>
    /// <param name="inner">The underlying error, if any.</param>
    /// <returns>The exception.</returns>
    public static RunStoreException Malformed(string file, string detail, Exception? inner = null)
        => new($"{file}: {detail}", ExitCodes.BadInput, "the run folder is damaged; resume from an earlier checkpoint or start a new run.", inner);

    /// <summary>A file of the run has problems on one or more lines.</summary>
    /// <param name="problems">One <see cref="CsvProblem"/> sentence per problem, each naming the file and line.</param>
    /// <returns>The exception.</returns>
    public static RunStoreException Unreadable(IReadOnlyList<string> problems)
        => new(string.Join(" ", problems), ExitCodes.BadInput, "the run folder is damaged; resume from an earlier checkpoint or start a new run.");
}
