using System.CommandLine;
using Flip.Experiments;
using Flip.Federated.Attacks;
using Flip.Federated.Privacy;
using Flip.Federated.SecureAggregation;

namespace Flip.Cli.Commands;

/// <summary><c>simulate --secure-aggregation</c>, <c>--dp-*</c> and <c>--attack</c>: the options and what they change.</summary>
internal static class SimulateSecurity
{
    public static Option<bool> SecureAggregationOption() => new("--secure-aggregation")
    {
        Description = "Run FedAvg over SecAgg+ (pairwise masks from ECDH keys, Shamir shares, quantised updates): the server learns only the " +
            "sum of the hospitals' updates; sites that drop out are unmasked around. Replaces fedavg in --strategy (fedavg-secagg).",
    };

    public static Option<int> NeighboursOption() => new Option<int>("--secagg-neighbours")
    {
        Description = "Secure aggregation: how many neighbours each hospital shares secrets with and masks against (SecAgg+'s sparse ring, Flower's num_shares); 0 joins every pair.",
        DefaultValueFactory = _ => 0,
    }.InRange(0, 100000);

    public static Option<double> ThresholdOption()
    {
        var option = new Option<double>("--secagg-threshold")
        {
            Description = "Secure aggregation: the fraction of a hospital's share holders needed to unmask around it when it drops out (Flower's reconstruction_threshold); higher resists more colluders, lower survives more dropouts.",
            DefaultValueFactory = _ => 0.5,
        };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is <= 0 or > 1 || double.IsNaN(r.GetValueOrDefault<double>()))
            {
                r.AddError("--secagg-threshold must be in (0, 1], for example 0.5.");
            }
        });
        return option;
    }

    /// <summary>The SecAgg+ settings from <c>--secagg-neighbours</c> and <c>--secagg-threshold</c>; refused when given without secure aggregation.</summary>
    public static SecureAggregationSettings Settings(ParseResult parse, Option<int> neighbours, Option<double> threshold, bool secure)
    {
        foreach (Option given in new Option[] { neighbours, threshold }.Where(o => parse.GetResult(o) is { Implicit: false }))
        {
            if (!secure)
            {
                throw new FlipException($"{given.Name} sets up secure aggregation, which this run does not use.", ExitCodes.BadCommandLine,
                    "add --secure-aggregation, or drop " + given.Name + ".");
            }
        }

        return new SecureAggregationSettings { Neighbours = parse.GetValue(neighbours), ThresholdFraction = parse.GetValue(threshold) };
    }

    /// <summary>One line on the settings, for the run's banner.</summary>
    public static string Describe(SecureAggregationSettings settings) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{(settings.Neighbours == 0 ? "every pair of nodes joined" : $"{settings.Neighbours} neighbours per node")}, unmasking needs {settings.ThresholdFraction:0.##} of a node's share holders");

    /// <summary><c>--dp-clip</c>, <c>--dp-noise</c>, <c>--dp-placement</c>: DP-FedAvg's settings for <c>--strategy dp-fedavg</c>.</summary>
    public static (Option<double> Clip, Option<double> Noise, Option<string> Placement) PrivacyOptions()
    {
        var clip = new Option<double>("--dp-clip")
        {
            Description = "dp-fedavg: the L2 norm C each hospital's update is clipped to (the U-Net's whole update is about 1 per round here).",
            DefaultValueFactory = _ => 1.0,
        };
        var noise = new Option<double>("--dp-noise")
        {
            Description = "dp-fedavg: the noise multiplier z; the Gaussian noise on the mean update has standard deviation z·C/m for m hospitals. Larger z, smaller ε, noisier model.",
            DefaultValueFactory = _ => 1.0,
        };
        foreach (var (option, example) in new[] { (clip, "--dp-clip 1"), (noise, "--dp-noise 0.5") })
        {
            option.Validators.Add(r =>
            {
                double value = r.GetValueOrDefault<double>();
                if (!(value > 0) || !double.IsFinite(value))
                {
                    r.AddError(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{option.Name} must be a number > 0 (got {value}); for example {example}."));
                }
            });
        }

        var placement = new Option<string>("--dp-placement")
        {
            Description = "dp-fedavg: central (noise once at the server; hospitals trust it) or local (each hospital noises its own update; much more noise in total).",
            DefaultValueFactory = _ => PlacementName(NoisePlacement.Central),
        };
        placement.AcceptOnlyFromAmong(PlacementName(NoisePlacement.Central), PlacementName(NoisePlacement.Local));
        return (clip, noise, placement);
    }

    /// <summary>The command-line and simulate.json name of a noise placement: <c>central</c> or <c>local</c>.</summary>
    public static string PlacementName(NoisePlacement placement) => placement == NoisePlacement.Local ? "local" : "central";

    /// <summary>The noise placement a name from <see cref="PlacementName"/> stands for.</summary>
    public static NoisePlacement Placement(string name) => name == PlacementName(NoisePlacement.Local) ? NoisePlacement.Local : NoisePlacement.Central;

    /// <summary>DP-FedAvg's settings; refused when a <c>--dp-*</c> option is given and no strategy uses them.</summary>
    public static PrivacySettings Privacy(ParseResult parse, (Option<double> Clip, Option<double> Noise, Option<string> Placement) options, IReadOnlyList<string> names)
    {
        foreach (Option given in new Option[] { options.Clip, options.Noise, options.Placement }.Where(o => parse.GetResult(o) is { Implicit: false }))
        {
            if (!names.Contains("dp-fedavg"))
            {
                throw new FlipException($"{given.Name} sets up differential privacy, which this run does not use.", ExitCodes.BadCommandLine,
                    "add dp-fedavg to --strategy, or drop " + given.Name + ".");
            }
        }

        return new PrivacySettings(parse.GetValue(options.Clip), parse.GetValue(options.Noise),
            Placement(parse.GetValue(options.Placement)!));
    }

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
