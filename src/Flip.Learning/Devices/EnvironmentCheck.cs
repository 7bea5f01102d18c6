namespace Flip.Learning.Devices;

/// <summary>One line of <c>flip-research doctor</c>: what was checked, how it went, and the fix.</summary>
/// <param name="Name">What was checked, e.g. "libstdc++".</param>
/// <param name="Status">OK, WARN or FAIL.</param>
/// <param name="Detail">What was found, in one line.</param>
/// <param name="Fix">One sentence for anything not OK; <see langword="null"/> when OK.</param>
public sealed record EnvironmentCheck(string Name, CheckStatus Status, string Detail, string? Fix = null);
