using System.CommandLine;
using Flip.Experiments;
using Flip.Federated.Attacks;

namespace Flip.Cli.Commands;

/// <summary><c>simulate --secure-aggregation</c> and <c>simulate --attack</c>: the options and what they change.</summary>
internal static class SimulateSecurity
{
    public static Option<bool> SecureAggregationOption() => new("--secure-aggregation")
    {
        Description = "Run FedAvg over SecAgg+ (pairwise masks from ECDH keys, Shamir shares, quantised updates): the server learns only the " +
            "sum of the hospitals' updates; sites that drop out are unmasked around. Replaces fedavg in --strategy (fedavg-secagg).",
    };

    public static Option<string?> AttackOption() => new("--attack")
    {
        Description = "Poison one hospital's update every round: SITE:sign-flip[=s], SITE:scale=s or SITE:noise[=sigma], e.g. site-3:sign-flip or site-3:scale=10. " +
            "Compare with --strategy fedavg krum trimmed-mean fedmedian, or run 'flip-research bench robust'.",
    };

    /// <summary>The strategy names with fedavg replaced by its secure form when asked for.</summary>
    public static string[] Strategies(string[] names, bool secure)
    {
        if (!secure)
        {
            return names;
        }

        if (!names.Contains("fedavg"))
        {
            throw new FlipException($"--secure-aggregation runs FedAvg, but --strategy is {string.Join(" ", names)}.", ExitCodes.BadCommandLine,
                "add fedavg to --strategy (secure aggregation sums updates, so it fits FedAvg, not the robust or adaptive strategies).");
        }

        return [.. names.Select(n => n == "fedavg" ? StrategyCatalog.SecureFedAvg : n)];
    }

    /// <summary>The parsed attack, or <see langword="null"/>.</summary>
    public static SiteAttack? Attack(string? text) => text is null ? null : SiteAttack.Parse(text);
}
