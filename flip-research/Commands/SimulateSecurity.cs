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

    /// <summary>The parsed attack on one of FLIP-6's hospitals, or <see langword="null"/>; checked before anything is written.</summary>
    public static SiteAttack? Attack(string? text)
    {
        if (text is null)
        {
            return null;
        }

        SiteAttack attack = SiteAttack.Parse(text);
        var sites = Flip.Datasets.Synthetic.SyntheticCohort.Flip6Sites.Select(s => s.Id).ToList();
        if (!sites.Contains(attack.Site.Value))
        {
            throw new FlipException($"--attack '{text}': FLIP-6 has no site {attack.Site}; its sites are {string.Join(", ", sites)}.", ExitCodes.BadCommandLine,
                "name one of the cohort's sites before the ':'.");
        }

        return attack;
    }
}
