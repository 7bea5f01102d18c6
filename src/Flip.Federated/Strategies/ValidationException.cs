namespace Flip.Federated.Strategies;

/// <summary>Options or a strategy are invalid; carries every problem found, not just the first.</summary>
public sealed class ValidationException : FlipException
{
    private ValidationException(string message, IReadOnlyList<string> problems)
        : base(message, ExitCodes.BadCommandLine, "correct the values named above and run again.")
        => Problems = problems;

    /// <summary>Every problem, one sentence each.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Builds the exception from a list of problems.</summary>
    /// <param name="what">What was validated, e.g. <c>the simulation</c>.</param>
    /// <param name="problems">One sentence per problem; at least one.</param>
    /// <returns>The exception.</returns>
    public static ValidationException Of(string what, IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        string message = problems.Count == 1
            ? $"Cannot start {what}: {problems[0]}"
            : $"Cannot start {what}; {problems.Count} problems: " + string.Join(" ", problems.Select((p, i) => $"({i + 1}) {p}"));
        return new(message, problems);
    }
}
