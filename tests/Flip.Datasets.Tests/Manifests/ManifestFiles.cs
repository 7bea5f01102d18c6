namespace Flip.Datasets.Tests.Manifests;

/// <summary>Temporary manifest files for validation tests.</summary>
internal static class ManifestFiles
{
    /// <summary>A valid manifest; line numbers matter to the tests (line 1 is "{").</summary>
    public const string Valid = """
        {
          "version": 1,
          "cohort": { "name": "Test", "description": "A test cohort.", "download": { "url": "https://example.org/data", "instructions": "unzip it into one" } },
          "channels": [
            { "name": "T2W", "modality": "MR", "seriesDescription": "t2*" },
            { "name": "ADC", "required": false, "file": "{patient}/adc.nii.gz" }
          ],
          "labels": { "table": "labels.csv", "patientColumn": "patient", "isupColumn": "isup", "glandMask": "{patient}/gland.nii.gz" },
          "sites": [
            { "id": "site-1", "displayName": "One", "country": "Norway", "vendor": "GE", "fieldStrengthTesla": 3, "source": { "folder": "one" } },
            { "id": "site-2", "displayName": "Two", "source": { "dicomweb": { "url": "https://pacs.example.org/dicom-web", "auth": { "scheme": "bearer", "secretEnv": "PACS_TOKEN" } } } }
          ],
          "splits": { "ratios": { "train": 0.7, "test": 0.3 }, "seed": 7 }
        }
        """;

    public static string Write(string text, string? folder = null)
    {
        folder ??= Path.Combine(Path.GetTempPath(), "flip-manifest-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "manifest.json");
        File.WriteAllText(path, text);
        return path;
    }

    public static string Edit(string find, string replace)
    {
        Assert.Contains(find, Valid, StringComparison.Ordinal);
        return Valid.Replace(find, replace, StringComparison.Ordinal);
    }
}
