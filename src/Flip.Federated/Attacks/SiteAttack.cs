using System.Globalization;

namespace Flip.Federated.Attacks;

/// <summary>
/// A poisoned site in a simulation: one site that sends a corrupted update every round, to measure
/// how far each strategy lets it move the global model (Blanchard et al. 2017; Yin et al. 2018).
/// </summary>
/// <param name="Site">The poisoned site.</param>
/// <param name="Kind">What it does to its update.</param>
/// <param name="Strength">s: the factor for <see cref="AttackKind.SignFlip"/> and <see cref="AttackKind.Scale"/>, the noise's standard deviation for <see cref="AttackKind.Noise"/>.</param>
public sealed record SiteAttack(SiteId Site, AttackKind Kind, double Strength)
{
    private const string Expected = "expected SITE:sign-flip, SITE:scale=FACTOR or SITE:noise[=SIGMA], e.g. site-3:sign-flip or site-3:scale=10";

    /// <summary>Parses <c>SITE:sign-flip[=s]</c>, <c>SITE:scale=s</c> or <c>SITE:noise[=σ]</c>.</summary>
    /// <param name="text">The attack, as given on the command line.</param>
    /// <returns>The attack.</returns>
    /// <exception cref="FlipException">The text has another form (exit code <see cref="ExitCodes.BadCommandLine"/>).</exception>
    public static SiteAttack Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw Bad(text, "has no site before ':'");
        }

        SiteId site;
        try
        {
            site = new SiteId(text[..colon]);
        }
        catch (ArgumentException)
        {
            throw Bad(text, $"'{text[..colon]}' is not a site id");
        }

        string rest = text[(colon + 1)..];
        int equals = rest.IndexOf('=', StringComparison.Ordinal);
        string kind = equals < 0 ? rest : rest[..equals];
        double? strength = null;
        if (equals >= 0)
        {
            if (!double.TryParse(rest[(equals + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value <= 0)
            {
                throw Bad(text, $"'{rest[(equals + 1)..]}' is not a number > 0");
            }

            strength = value;
        }

        return kind switch
        {
            "sign-flip" => new SiteAttack(site, AttackKind.SignFlip, strength ?? 1),
            "scale" when strength is { } s => new SiteAttack(site, AttackKind.Scale, s),
            "scale" => throw Bad(text, "scale needs a factor"),
            "noise" => new SiteAttack(site, AttackKind.Noise, strength ?? 1),
            _ => throw Bad(text, $"'{kind}' is not an attack"),
        };
    }

    /// <summary>Corrupts an update.</summary>
    /// <param name="global">The global parameters x the site started from.</param>
    /// <param name="update">The honest update.</param>
    /// <param name="seed">The noise seed (the site's training seed for the round).</param>
    /// <returns>The poisoned update, of the same kind and layout; int64 counters untouched.</returns>
    public SiteUpdate Apply(ParameterSet global, SiteUpdate update, int seed)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(update);
        bool full = update.Kind == ParameterKind.Full;
        ParameterSet delta = full ? ParameterMath.Subtract(update.Parameters, global, Site.Value) : update.Parameters;
        ParameterSet poisoned = Kind switch
        {
            AttackKind.SignFlip => ParameterMath.Scale(delta, -Strength),
            AttackKind.Scale => ParameterMath.Scale(delta, Strength),
            _ => new Gaussian(new Random(seed)).AddNoise(delta, Strength),
        };

        return update with { Parameters = full ? ParameterMath.Add(global, poisoned, Site.Value).Replace(update.Parameters.Where(a => a.DataType == ParameterDataType.Int64)) : poisoned };
    }

    /// <summary>The attack as <see cref="Parse"/> reads it, e.g. <c>site-3:scale=10</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Kind switch
    {
        AttackKind.SignFlip => string.Create(CultureInfo.InvariantCulture, $"{Site}:sign-flip={Strength:R}"),
        AttackKind.Scale => string.Create(CultureInfo.InvariantCulture, $"{Site}:scale={Strength:R}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{Site}:noise={Strength:R}"),
    };

    private static FlipException Bad(string text, string problem)
        => new($"--attack '{text}': {problem}; {Expected}.", ExitCodes.BadCommandLine, "write the attack as SITE:KIND, with a site id of the cohort.");
}
