using System.Security.Cryptography;
using Flip.Datasets.DicomWeb;
using Flip.Datasets.Synthetic;
using Flip.Imaging.Dicom;

namespace Flip.Datasets.Tests.DicomWeb;

/// <summary>One Orthanc per test class, holding a slice of the synthetic cohort uploaded by STOW-RS: 3 patients of site-1, 3 MR series of 4 slices each (36 files).</summary>
public sealed class UploadedCohort : IDisposable
{
    public UploadedCohort()
    {
        Orthanc = new OrthancServer();
        Source = Path.Combine(Orthanc.Folder, "cohort");
        Cohort full = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.001, Seed = 11, MatrixSize = 48, Slices = 4 });
        CohortSite site = full.Sites[0];
        Cohort slice = full with { Sites = [site with { Patients = [.. site.Patients.Take(3)] }] };
        SyntheticCohortWriter.Write(slice, Source, seed: 11);
        // The MR series only: site-1 is a PET hospital, and its PSMA-PET series (a study of their own) stay out of this PACS.
        Files = [.. Directory.EnumerateFiles(Source, "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Where(f => DicomFile.Open(f, DicomReadOptions.HeaderOnly).Dataset.GetString(DicomTag.Modality) == "MR")];
        foreach (string file in Files)
        {
            DicomDataset dataset = DicomFile.Open(file, DicomReadOptions.HeaderOnly).Dataset;
            Instances.Add(new Instance(dataset.GetString(DicomTag.PatientId), dataset.GetString(DicomTag.PatientName), dataset.GetString(DicomTag.StudyInstanceUid),
                dataset.GetString(DicomTag.SeriesInstanceUid), dataset.GetString(DicomTag.SopInstanceUid), dataset.GetString(DicomTag.SeriesDescription), file,
                Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))));
        }

        (UserVariable, PasswordVariable) = OrthancServer.CredentialVariables();
        using DicomWebClient client = Client();
        StoreResult = client.StoreAsync(Files).GetAwaiter().GetResult();
    }

    public OrthancServer Orthanc { get; }

    public string Source { get; }

    public IReadOnlyList<string> Files { get; }

    public List<Instance> Instances { get; } = [];

    public string UserVariable { get; }

    public string PasswordVariable { get; }

    public DicomWebStoreResult StoreResult { get; }

    public DicomWebClient Client(Uri? root = null, int pageSize = 100, int maxRetries = 4) => new(new DicomWebOptions
    {
        BaseUri = root ?? Orthanc.DicomWebRoot,
        Auth = DicomWebAuth.Basic(UserVariable, PasswordVariable),
        PageSize = pageSize,
        StowBatchSize = 10,
        MaxRetries = maxRetries,
        InitialBackoff = TimeSpan.FromMilliseconds(50),
        ReadTimeout = TimeSpan.FromSeconds(20),
    });

    public void Dispose() => Orthanc.Dispose();

    /// <summary>Writes a manifest whose one site reads its studies from a DICOMweb service; labels from the cohort's labels.csv, no masks (DICOMweb serves the images only).</summary>
    public static string WritePacsManifest(string path, string labelsCsv, string siteId, Uri root, string userVariable, string passwordVariable, string patientIdPattern = "*",
        string? masksFolder = null)
    {
        string masks = masksFolder is null ? "" : $", \"masks\": \"{Path.GetRelativePath(Path.GetDirectoryName(path)!, masksFolder)}\"";
        string maskPatterns = masksFolder is null ? "" : ", \"lesionMask\": \"{patient}/lesion.nii.gz\", \"glandMask\": \"{patient}/gland.nii.gz\"";
        string json = $$"""
            {
              "version": 1,
              "cohort": { "name": "FLIP-6 at one hospital's PACS", "description": "Synthetic studies uploaded to a test Orthanc.", "licence": "CC0 1.0", "citation": "FLIP Research synthetic FLIP-6 cohort" },
              "channels": [
                { "name": "T2W", "required": true, "modality": "MR", "seriesDescription": ["t2_tse_tra", "*t2*"] },
                { "name": "ADC", "required": true, "modality": "MR", "seriesDescription": ["*ADC*"] },
                { "name": "DWI", "required": true, "modality": "MR", "seriesDescription": ["*b1400*", "*diff*"] }
              ],
              "labels": { "table": "{{Path.GetRelativePath(Path.GetDirectoryName(path)!, labelsCsv)}}", "patientColumn": "patient-id", "siteColumn": "site", "isupColumn": "isup-grade"{{maskPatterns}} },
              "sites": [
                { "id": "{{siteId}}", "displayName": "Hospital with a PACS", "country": "NL", "vendor": "Siemens", "fieldStrengthTesla": 3,
                  "source": { "dicomweb": { "url": "{{root}}", "auth": { "scheme": "basic", "usernameEnv": "{{userVariable}}", "secretEnv": "{{passwordVariable}}" }, "query": { "ModalitiesInStudy": "MR", "PatientID": "{{patientIdPattern}}" }{{masks}} } } }
              ],
              "splits": { "ratios": { "train": 0.7, "test": 0.3 }, "seed": 11 }
            }
            """;
        File.WriteAllText(path, json);
        return path;
    }

    public sealed record Instance(string PatientId, string PatientName, string Study, string Series, string Sop, string SeriesDescription, string File, string Sha256);
}
