namespace Flip.Cli.Commands;

/// <summary>
/// A <c>simulate --profile</c>: rounds, cohort scale and local epochs chosen together (explicit <c>--rounds</c> and
/// <c>--scale</c> still win). The only place the profiles are defined.
/// </summary>
/// <param name="Name">What <c>--profile</c> takes.</param>
/// <param name="Rounds">Federated rounds.</param>
/// <param name="Scale">Fraction of the full FLIP-6 cohort (1 ≈ 3,500 patients).</param>
/// <param name="LocalEpochs">Local epochs per round.</param>
/// <param name="Purpose">One line for <c>--help</c>, with what it costs.</param>
internal sealed record SimulateProfile(string Name, int Rounds, double Scale, int LocalEpochs, string Purpose)
{
    /// <summary>The profiles, the default first.</summary>
    public static IReadOnlyList<SimulateProfile> All { get; } =
    [
        new("quick", 10, 0.08, 1, "10 rounds, scale 0.08 (280 patients), 1 local epoch: minutes"),
        new("full", 30, 0.25, 2, "30 rounds, scale 0.25 (875 patients), 2 local epochs"),
        new("paper", 50, 1.0, 2, "50 rounds, scale 1 (the whole consortium, about 3,500 patients, slices streamed from disk), 2 local epochs: an overnight run (hours on a 2-core CPU; see README)"),
    ];

    /// <summary>The profile called <paramref name="name"/>.</summary>
    public static SimulateProfile Named(string? name) => All.FirstOrDefault(p => p.Name == name) ?? All[0];
}
