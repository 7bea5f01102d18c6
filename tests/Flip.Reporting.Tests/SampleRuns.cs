using System.Globalization;
using System.Text;

namespace Flip.Reporting.Tests;

/// <summary>Small, deterministic run folders like the run store writes: 6 sites, a few rounds, per-patient scores.</summary>
internal static class SampleRuns
{
    public static readonly SiteInfo[] Sites =
    [
        new("site-1", "Nijmegen", "NL", "Siemens", 3, 120, 0.32),
        new("site-2", "Groningen", "NL", "Philips", 3, 90, 0.28),
        new("site-3", "Oslo", "NO", "Siemens", 1.5, 40, 0.40),
        new("site-4", "Porto", "PT", "GE", 1.5, 30, 0.45),
        new("site-5", "Leuven", "BE", "Philips", 3, 75, 0.30),
        new("site-6", "Bergen", "NO", "GE", 1.5, 25, 0.36),
    ];

    /// <summary>Per-site AUROC at the last round for a strategy; earlier rounds climb towards it.</summary>
    private static double FinalAuroc(int strategy, int site) => 0.62 + 0.04 * ((site * 3 + strategy * 5) % 7) + 0.01 * strategy;

    public static MetricTable Metrics(int strategy, int rounds = 4, bool privacy = false, bool cross = false)
    {
        var rows = new List<MetricRow>();
        for (int round = 1; round <= rounds; round++)
        {
            double progress = (double)round / rounds;
            double pooledSum = 0;
            for (int s = 1; s <= 6; s++)
            {
                string site = $"site-{s}";
                double auroc = Math.Round(0.5 + (FinalAuroc(strategy, s) - 0.5) * progress, 4);
                double dice = Math.Round(0.3 + 0.05 * s * progress + 0.02 * strategy, 4);
                pooledSum += auroc;
                rows.Add(new(round, site, "test", "auroc", auroc));
                rows.Add(new(round, site, "test", "dice", dice));
                rows.Add(new(round, site, "train", "loss", Math.Round(1.0 / (round + s * 0.1 + strategy), 4)));
            }
            rows.Add(new(round, "pooled", "test", "auroc", Math.Round(pooledSum / 6 + 0.01, 4)));
            if (privacy) rows.Add(new(round, "federated", "test", "epsilon", 0.5 * round * (strategy + 1)));   // as DP-FedAvg writes it
        }
        if (cross)
        {
            for (int a = 1; a <= 6; a++)
                for (int b = 1; b <= 6; b++)
                    rows.Add(new(rounds, $"site-{a}", $"cross:site-{b}", "auroc", a == b ? 0.85 : Math.Round(0.55 + 0.04 * ((a + 2 * b) % 5), 4)));
        }
        return new MetricTable(rows);
    }

    /// <summary>Per-patient scores: patient count follows the cohort (scaled down), scores separate the classes by site.</summary>
    public static IReadOnlyList<PatientScore> Scores(int strategy)
    {
        var random = new Random(100 + strategy);
        var scores = new List<PatientScore>();
        foreach (var site in Sites)
        {
            int n = site.Patients / 3;
            int positives = (int)Math.Round(n * site.CsPcaPrevalence);
            double separation = 0.5 + 0.2 * (int.Parse(site.Id[5..], CultureInfo.InvariantCulture) % 3) + 0.1 * strategy;
            for (int i = 0; i < n; i++)
            {
                int label = i < positives ? 1 : 0;
                double score = 1 / (1 + Math.Exp(-(random.NextDouble() * 2 - 1 + label * separation)));
                scores.Add(new PatientScore(site.Id, $"{site.Id}-p{i:000}", label, Math.Round(score, 4)));
            }
        }
        return scores;
    }

    public static RunRecord Run(string name, int strategy, bool privacy = false, bool cross = false) =>
        new(name, RunConfiguration.From([KeyValuePair.Create("strategy", name), KeyValuePair.Create("rounds", "4"), KeyValuePair.Create("seed", "7")]),
            Metrics(strategy, privacy: privacy, cross: cross), Sites, Scores(strategy));

    /// <summary>Writes a run folder with run.json, metrics.csv, sites.json and predictions.csv.</summary>
    public static string WriteFolder(string parent, string name, int strategy, bool privacy = false, bool cross = false)
    {
        string folder = Path.Combine(parent, name.ToLowerInvariant());
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "run.json"),
            $$"""{ "name": "{{name}}", "strategy": { "name": "{{name}}", "mu": 0.01 }, "rounds": 4, "seed": 7, "sites": ["site-1", "site-2"], "privacy": {{(privacy ? "true" : "false")}} }""");
        var csv = new StringBuilder("round,site,split,metric,value\n");
        foreach (var r in Metrics(strategy, privacy: privacy, cross: cross).Rows)
            csv.Append(CultureInfo.InvariantCulture, $"{r.Round},{r.Site},{r.Split},{r.Metric},{r.Value.ToString("R", CultureInfo.InvariantCulture)}\n");
        File.WriteAllText(Path.Combine(folder, "metrics.csv"), csv.ToString());
        File.WriteAllText(Path.Combine(folder, "sites.json"), System.Text.Json.JsonSerializer.Serialize(Sites, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)));
        var predictions = new StringBuilder("site,patient,label,score\n");
        foreach (var p in Scores(strategy))
            predictions.Append(CultureInfo.InvariantCulture, $"{p.Site},{p.PatientKey},{p.Label},{p.Score.ToString("R", CultureInfo.InvariantCulture)}\n");
        File.WriteAllText(Path.Combine(folder, "predictions.csv"), predictions.ToString());
        return folder;
    }
}
