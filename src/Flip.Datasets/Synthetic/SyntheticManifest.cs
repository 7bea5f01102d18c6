using System.Text;
using System.Text.Json;

namespace Flip.Datasets.Synthetic;

/// <summary>Writes the manifest describing what <see cref="SyntheticCohortWriter"/> wrote, so the written cohort loads like any other data set.</summary>
public static class SyntheticManifest
{
    /// <summary>The manifest's file name inside the written folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary>Writes <c>folder/manifest.json</c> (temp, then rename): the cohort, its sites (each its own sub-folder), the MR channels, an optional PET channel (modality PT), labels.csv and the masks.</summary>
    /// <param name="cohort">The cohort that was written.</param>
    /// <param name="folder">The folder it was written to.</param>
    /// <param name="seed">The seed it was written with.</param>
    /// <returns>The manifest's path.</returns>
    public static string Write(Cohort cohort, string folder, int seed)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("version", 1);
            json.WriteStartObject("cohort");
            json.WriteString("name", cohort.Name);
            json.WriteString("description", $"{cohort.Description} Written by flip-research synth with seed {seed}.");
            json.WriteString("licence", "CC0 1.0 (synthetic data, no real patient)");
            json.WriteString("citation", "FLIP Research synthetic FLIP-6 cohort");
            json.WriteStartObject("download");
            json.WriteString("url", "https://github.com/flip-research/flip-research");
            json.WriteString("instructions", $"regenerate it with: flip-research synth --out <folder> --seed {seed}");
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartArray("channels");
            Channel(json, "T2W", true, "MR", "t2_tse_tra", "*t2*");
            Channel(json, "ADC", true, "MR", "*ADC*");
            Channel(json, "DWI", true, "MR", "*b1400*", "*b1500*", "*diff*");
            Channel(json, "PET", false, "PT");
            json.WriteEndArray();
            json.WriteStartObject("labels");
            json.WriteString("table", "labels.csv");
            json.WriteString("patientColumn", "patient-id");
            json.WriteString("siteColumn", "site");
            json.WriteString("isupColumn", "isup-grade");
            json.WriteString("lesionMask", "{patient}/lesion.nii.gz");
            json.WriteString("glandMask", "{patient}/gland.nii.gz");
            json.WriteEndObject();
            json.WriteStartArray("sites");
            foreach (CohortSite site in cohort.Sites)
            {
                json.WriteStartObject();
                json.WriteString("id", site.Id);
                json.WriteString("displayName", site.DisplayName);
                json.WriteString("country", site.Country);
                json.WriteString("vendor", site.Vendor);
                json.WriteNumber("fieldStrengthTesla", site.FieldStrengthTesla);
                json.WriteStartObject("source");
                json.WriteString("folder", site.Id);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("splits");
            json.WriteStartObject("ratios");
            json.WriteNumber("train", 0.7);
            json.WriteNumber("test", 0.3);
            json.WriteEndObject();
            json.WriteNumber("seed", seed);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        string path = Path.Combine(folder, FileName);
        File.WriteAllText(path + ".tmp", Encoding.UTF8.GetString(stream.ToArray()) + "\n");
        File.Move(path + ".tmp", path, overwrite: true);
        return path;
    }

    private static void Channel(Utf8JsonWriter json, string name, bool required, string modality, params string[] descriptions)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteBoolean("required", required);
        json.WriteString("modality", modality);
        if (descriptions.Length > 0)
        {
            json.WriteStartArray("seriesDescription");
            foreach (string description in descriptions) json.WriteStringValue(description);
            json.WriteEndArray();
        }

        json.WriteEndObject();
    }
}
