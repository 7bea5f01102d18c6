using System.Globalization;
using System.Text;
using System.Text.Json;
using Flip.Federated.Runs;
using Flip.Learning.Training;
using Flip.Reporting;

namespace Flip.Experiments;

/// <summary>The files a simulated run adds to its folder for the report: <c>sites.json</c> and <c>predictions.csv</c>.</summary>
public static class RunFiles
{
    /// <summary>The cohort summary file name.</summary>
    public const string SitesFileName = "sites.json";

    /// <summary>The final global model, in safetensors format (loadable with <c>safetensors.torch.load_file</c>).</summary>
    public const string FinalModelFileName = "final-model.safetensors";

    /// <summary>The per-patient scores file name.</summary>
    public const string PredictionsFileName = RunRecord.PredictionsFile;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    /// <summary>Writes one <see cref="SiteInfo"/> per hospital, atomically.</summary>
    /// <param name="folder">The run folder.</param>
    /// <param name="cohort">The prepared cohort.</param>
    public static void WriteSites(string folder, PreparedCohort cohort)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var sites = cohort.Sites.Where(s => s.Site is not null).Select(s => new SiteInfo(
            s.Id, s.Site!.DisplayName, s.Site.Country, s.Site.Vendor, s.Site.FieldStrengthTesla, s.Site.Patients.Count, s.Site.CsPcaPrevalence));
        AtomicFile.WriteText(Path.Combine(folder, SitesFileName), JsonSerializer.Serialize(sites, Json));
    }

    /// <summary>Writes <c>site,patient,label,score</c> rows, atomically. Patient keys are pseudonyms.</summary>
    /// <param name="folder">The run folder.</param>
    /// <param name="predictions">Scores per site.</param>
    public static void WritePredictions(string folder, IEnumerable<(string Site, PatientPrediction Prediction)> predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var text = new StringBuilder(RunRecord.PredictionsHeader).Append('\n');
        foreach (var (site, p) in predictions)
        {
            CsvFile.AppendLine(text, site, p.PatientKey, p.IsCsPca ? "1" : "0", CsvFile.Number(p.Score));
        }

        AtomicFile.WriteText(Path.Combine(folder, PredictionsFileName), text.ToString());
    }
}
