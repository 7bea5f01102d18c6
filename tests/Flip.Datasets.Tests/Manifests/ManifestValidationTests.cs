using Flip.Datasets.Manifests;

namespace Flip.Datasets.Tests.Manifests;

public sealed class ManifestValidationTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "flip-manifest-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void A_valid_manifest_loads_with_paths_resolved_against_its_folder()
    {
        Manifest manifest = Manifest.Load(ManifestFiles.Write(ManifestFiles.Valid, _folder));

        Assert.Equal(1, manifest.Version);
        Assert.Equal("Test", manifest.Cohort.Name);
        Assert.Equal(["T2W", "ADC"], manifest.Channels.Select(c => c.Name));
        Assert.Equal(["T2W"], manifest.RequiredChannels.Select(c => c.Name));
        Assert.Equal(["t2*"], manifest.Channels[0].SeriesDescription);
        Assert.Equal(Path.Combine(_folder, "labels.csv"), manifest.Labels.Table);
        Assert.Equal(Path.Combine(_folder, "one"), manifest.Sites[0].Source.Folder);
        Assert.Equal(3.0, manifest.Sites[0].FieldStrengthTesla);
        Assert.Equal("unknown", manifest.Sites[1].Vendor);
        Assert.Equal(new DicomWebAuth("bearer", null, "PACS_TOKEN"), manifest.Sites[1].Source.DicomWeb!.Auth);
        Assert.Equal(0.7, manifest.Splits!.Ratios!["train"]);
        Assert.Equal(7, manifest.Splits.Seed);
    }

    public static TheoryData<string, string, string> Cases => new()
    {
        { "\"version\": 1", "\"version\": 2", "manifest.json:2 $.version: found 2; expected 1, the only manifest version this program reads. Set \"version\": 1 (and check the file follows manifest.v1.schema.json)." },
        { "\"displayName\": \"One\"", "\"displayNmae\": \"One\"", "manifest.json:10 $.sites[0].displayNmae: unknown property \"displayNmae\"; did you mean \"displayName\"? Rename it to \"displayName\"." },
        { "\"vendor\": \"GE\"", "\"scannerBudget\": \"GE\"", "manifest.json:10 $.sites[0].scannerBudget: unknown property \"scannerBudget\"; expected one of \"id\", \"displayName\", \"country\", \"vendor\", \"fieldStrengthTesla\", \"source\". Remove it or fix its name." },
        { "\"secretEnv\": \"PACS_TOKEN\"", "\"secretEnv\": \"PACS_TOKEN\", \"password\": \"hunter2\"", "manifest.json:11 $.sites[1].source.dicomweb.auth.password: \"password\" would hold a secret in the file; a manifest never holds a password or token. Remove it, put the secret in an environment variable and name that variable in auth.secretEnv." },
        { "\"auth\": {", "\"api_key\": \"hunter2\", \"auth\": {", "manifest.json:11 $.sites[1].source.dicomweb.api_key: \"api_key\" would hold a secret in the file; a manifest never holds a password or token. Remove it, put the secret in an environment variable and name that variable in auth.secretEnv." },
        { "https://pacs.example.org", "http://pacs.example.org", "manifest.json:11 $.sites[1].source.dicomweb.url: \"http://pacs.example.org/dicom-web\" would send the PACS credentials (auth) unencrypted over plain http to another machine; expected an https:// address, or plain http only to this machine (127.0.0.1, [::1] or localhost). Use the PACS's https:// address (with caCertificate when it uses the hospital's own CA)." },
        { "https://pacs.example.org", "http://127.0.0.1.example.org", "manifest.json:11 $.sites[1].source.dicomweb.url: \"http://127.0.0.1.example.org/dicom-web\" would send the PACS credentials (auth) unencrypted over plain http to another machine; expected an https:// address, or plain http only to this machine (127.0.0.1, [::1] or localhost). Use the PACS's https:// address (with caCertificate when it uses the hospital's own CA)." },
        { "https://pacs.example.org", "https://me:hunter2@pacs.example.org", "manifest.json:11 $.sites[1].source.dicomweb.url: the URL holds a user name or password before '@'; a manifest never holds credentials. Remove them from the URL and use auth with usernameEnv and secretEnv." },
        { "\"scheme\": \"bearer\"", "\"scheme\": \"digest\"", "manifest.json:11 $.sites[1].source.dicomweb.auth.scheme: \"digest\" is not an auth scheme; expected \"basic\" or \"bearer\"." },
        { "\"scheme\": \"bearer\"", "\"scheme\": \"bearer\", \"usernameEnv\": \"PACS_USER\"", "manifest.json:11 $.sites[1].source.dicomweb.auth.usernameEnv: usernameEnv is set for bearer auth; expected it only with \"basic\". Remove it." },
        { "\"scheme\": \"bearer\"", "\"scheme\": \"basic\"", "manifest.json:11 $.sites[1].source.dicomweb.auth: property \"usernameEnv\" is missing; expected the name of an environment variable, such as \"PACS_USER\". Add \"usernameEnv\"." },
        { "\"secretEnv\": \"PACS_TOKEN\"", "\"secretEnv\": \"my token\"", "manifest.json:11 $.sites[1].source.dicomweb.auth.secretEnv: \"my token\" is not an environment variable name; expected letters, digits and underscores such as \"PACS_TOKEN\" (the variable holds the value, the manifest only names it)." },
        { "\"id\": \"site-1\"", "\"id\": \"Site 1\"", "manifest.json:10 $.sites[0].id: \"Site 1\" is not a site id; expected lower-case letters, digits and dashes, such as \"site-1\" or \"radboudumc\"." },
        { "\"id\": \"site-2\"", "\"id\": \"site-1\"", "manifest.json:11 $.sites[1].id: site id \"site-1\" is used twice; expected each site id once. Rename one of them." },
        { "\"fieldStrengthTesla\": 3", "\"fieldStrengthTesla\": \"3T\"", "manifest.json:10 $.sites[0].fieldStrengthTesla: found \"3T\"; expected the MRI field strength in tesla, a number such as 1.5 or 3." },
        { "\"source\": { \"folder\": \"one\" }", "\"source\": { }", "manifest.json:10 $.sites[0].source: the source has neither folder nor dicomweb; expected exactly one of them." },
        { "\"source\": { \"folder\": \"one\" }", "\"source\": { \"folder\": \"/srv/one\" }", "manifest.json:10 $.sites[0].source.folder: \"/srv/one\" is not a relative path with forward slashes; expected the site's folder relative to the manifest's folder. Write it relative to the manifest's folder (a manifest must work on every machine)." },
        { "\"modality\": \"MR\"", "\"modality\": \"mr\"", "manifest.json:5 $.channels[0].modality: \"mr\" is not a DICOM modality; expected upper-case letters such as \"MR\" or \"PT\"." },
        { "\"modality\": \"MR\"", "\"modality\": \"MR\", \"attributes\": { \"ScanningSequense\": \"SE\" }", "manifest.json:5 $.channels[0].attributes.ScanningSequense: \"ScanningSequense\" is not a DICOM keyword; expected a keyword of the DICOM dictionary such as \"ProtocolName\". Check its spelling." },
        { "\"seriesDescription\": \"t2*\"", "\"seriesDescription\": []", "manifest.json:5 $.channels[0].seriesDescription: found an empty array; expected a Series Description glob such as \"t2*tra*\" or a non-empty array of them." },
        { "\"file\": \"{patient}/adc.nii.gz\"", "\"file\": \"adc.nii.gz\"", "manifest.json:6 $.channels[1].file: \"adc.nii.gz\" has no {patient} placeholder; expected a pattern that names each patient's file, such as \"{patient}/t2.nii.gz\"." },
        { ", \"file\": \"{patient}/adc.nii.gz\"", string.Empty, "manifest.json:6 $.channels[1]: the channel says nothing about how to find it; expected \"seriesDescription\", \"modality\" or \"attributes\" (DICOM) or \"file\" (NIfTI/MHA). Add one." },
        { "\"seriesDescription\": \"t2*\"", "\"seriesDescription\": \"t2*\", \"file\": \"{patient}/t2.nii.gz\"", "manifest.json:5 $.channels[0]: the channel has both a file pattern and DICOM rules; expected either \"file\" (NIfTI/MHA) or seriesDescription/modality/attributes (DICOM). Keep one kind." },
        { "\"file\": \"{patient}/adc.nii.gz\"", "\"file\": \"{patient}/adc.nii.gz\", \"volumeIndex\": -1", "manifest.json:6 $.channels[1].volumeIndex: found -1; expected a whole number ≥ 0 (the volume of a 4-D NIfTI file)." },
        { "\"seriesDescription\": \"t2*\"", "\"seriesDescription\": \"t2*\", \"volumeIndex\": 1", "manifest.json:5 $.channels[0].volumeIndex: volumeIndex is set but file is not; expected volumeIndex only with a NIfTI file pattern. Add \"file\" or remove \"volumeIndex\"." },
        { "\"name\": \"ADC\"", "\"name\": \"t2w\"", "manifest.json:4 $.channels: channel \"T2W\" is listed 2 times; expected each channel once. Merge the rules into one channel." },
        { "{ \"name\": \"T2W\",", "{ \"name\": \"T2W\", \"required\": false,", "manifest.json:4 $.channels: no channel is required; expected at least one required channel (the first, usually T2W, is the grid the others are resampled onto). Set \"required\": true on it." },
        { "\"channels\": [", "\"channels\": [ ],\n  \"old\": [", "manifest.json:4 $.channels: found an empty array; expected a non-empty array of channels. Add at least one." },
        { "\"table\": \"labels.csv\", \"patientColumn\": \"patient\",", string.Empty, "manifest.json:8 $.labels.isupColumn: isupColumn is set but table is not; expected a column name only with a patient table. Add \"table\" or remove \"isupColumn\"." },
        { "\"patientColumn\": \"patient\", ", string.Empty, "manifest.json:8 $.labels: property \"patientColumn\" is missing; expected the name of the table's patient id column. Add \"patientColumn\"." },
        { "\"glandMask\": \"{patient}/gland.nii.gz\"", "\"glandMask\": \"gland.nii.gz\"", "manifest.json:8 $.labels.glandMask: \"gland.nii.gz\" has no {patient} placeholder; expected a pattern that names each patient's mask, such as \"{patient}/gland.nii.gz\"." },
        { "\"test\": 0.3", "\"test\": 0.4", "manifest.json:13 $.splits.ratios: the ratios sum to 1.1; expected 1. Adjust them." },
        { "\"seed\": 7", "\"seed\": 7, \"lists\": { \"train\": [\"a\"] }", "manifest.json:13 $.splits: splits has both lists and ratios; expected exactly one of them." },
        { "\"ratios\": { \"train\": 0.7, \"test\": 0.3 }, \"seed\": 7", "\"lists\": { \"train\": [\"a\", \"b\"], \"test\": [\"b\"] }", "manifest.json:13 $.splits.lists.test[0]: patient \"b\" is in split \"train\" and \"test\"; expected each patient in one split (grouped by patient). Remove one." },
        { "\"ratios\": { \"train\": 0.7, \"test\": 0.3 }, \"seed\": 7", "\"lists\": { \"train\": [\"a\"] }, \"seed\": 7", "manifest.json:13 $.splits.seed: seed is set with explicit lists; expected a seed only with ratios. Remove it." },
        { "\"url\": \"https://example.org/data\"", "\"url\": \"ftp://example.org/data\"", "manifest.json:3 $.cohort.download.url: \"ftp://example.org/data\" is not an http(s) URL; expected the http(s) address of the data set's download page." },
        { "\"name\": \"Test\", ", string.Empty, "manifest.json:3 $.cohort: property \"name\" is missing; expected a short name such as \"PI-CAI public training\". Add \"name\"." },
        { "\"version\": 1,", "\"version\": 1, \"version\": 1,", "manifest.json:2 $.version: property \"version\" appears twice; expected it once. Delete one of them." },
        { "\"sites\": [", "\"sites\": {", "manifest.json:10 $: not valid JSON (" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_problem_names_file_line_path_expectation_and_fix(string find, string replace, string expected)
    {
        string path = ManifestFiles.Write(ManifestFiles.Edit(find, replace), _folder);

        IReadOnlyList<ManifestProblem> problems = Manifest.Validate(path, checkData: false);

        Assert.Contains(problems, p => p.ToString().StartsWith(expected, StringComparison.Ordinal) && (expected.EndsWith('(') || p.ToString() == expected));
        ManifestException error = Assert.Throws<ManifestException>(() => Manifest.Load(path));
        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://pacs.example.org", true)]
    [InlineData("http://127.0.0.1:8042", true)]
    [InlineData("http://[::1]:8042", true)]
    [InlineData("http://localhost:8042", true)]
    [InlineData("http://pacs.example.org", false)]
    public void Credentials_may_go_over_https_or_to_a_loopback_address_and_plain_http_may_carry_none(string root, bool auth)
    {
        // Issue #21, finding 8: only credentials over plain http to another machine are refused.
        string text = ManifestFiles.Edit("https://pacs.example.org", root);
        if (!auth) text = text.Replace(", \"auth\": { \"scheme\": \"bearer\", \"secretEnv\": \"PACS_TOKEN\" }", string.Empty, StringComparison.Ordinal);
        string path = ManifestFiles.Write(text, _folder);

        Assert.Empty(Manifest.Validate(path, checkData: false));
        DicomWebSource source = Manifest.Load(path).Sites[1].Source.DicomWeb!;
        Assert.Equal(root + "/dicom-web", source.Url);
        Assert.Equal(auth, source.Auth is not null);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_in_line_order_and_the_message_counts_them()
    {
        string text = ManifestFiles.Valid
            .Replace("\"version\": 1", "\"verison\": 1", StringComparison.Ordinal)
            .Replace("\"displayName\": \"One\"", "\"displayName\": \"One\", \"token\": \"abc\"", StringComparison.Ordinal)
            .Replace("\"test\": 0.3", "\"test\": 0.5", StringComparison.Ordinal);
        string path = ManifestFiles.Write(text, _folder);

        ManifestException error = Assert.Throws<ManifestException>(() => Manifest.Load(path));

        Assert.Equal([1, 2, 10, 13], error.Problems.Select(p => p.Line));
        Assert.Equal(["$", "$.verison", "$.sites[0].token", "$.splits.ratios"], error.Problems.Select(p => p.JsonPath));
        Assert.Contains("did you mean \"version\"?", error.Problems[1].Message, StringComparison.Ordinal);
        Assert.StartsWith($"manifest '{path}' has 4 problems:", error.Message, StringComparison.Ordinal);
        Assert.All(error.Problems, p => Assert.Contains(p.ToString(), error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_with_data_absent_says_where_to_get_it()
    {
        string path = ManifestFiles.Write(ManifestFiles.Valid, _folder);

        IReadOnlyList<ManifestProblem> problems = Manifest.Validate(path);

        Assert.Equal(
        [
            $"manifest.json:8 $.labels.table: the patient table '{Path.Combine(_folder, "labels.csv")}' does not exist; expected the data set's label table there. Get the data from https://example.org/data (unzip it into one), or change the path in the manifest.",
            $"manifest.json:10 $.sites[0].source.folder: the site's folder '{Path.Combine(_folder, "one")}' does not exist; expected the site's images there. Get the data from https://example.org/data (unzip it into one), or change the path in the manifest.",
        ], problems.Select(p => p.ToString()));
        Assert.Empty(Manifest.Validate(path, checkData: false));
    }

    [Fact]
    public void A_missing_file_and_invalid_json_are_problems_with_a_line()
    {
        Assert.Equal($"nothing.json $: the manifest file '{Path.Combine(_folder, "nothing.json")}' does not exist; expected a JSON manifest. Check the path.",
            Assert.Single(Manifest.Validate(Path.Combine(_folder, "nothing.json"))).ToString());
        string path = ManifestFiles.Write("{\n  \"version\": 1,\n  \"cohort\": \n}\n", _folder);
        ManifestProblem problem = Assert.Single(Manifest.Validate(path));
        Assert.Equal(4, problem.Line);
        Assert.EndsWith("expected a JSON object. Fix the syntax at that line (a missing comma, quote or bracket).", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("displayNmae", "displayName")]
    [InlineData("fieldStrength", "fieldStrengthTesla")]
    [InlineData("DisplayName", "displayName")]
    [InlineData("budget", null)]
    public void Did_you_mean_picks_the_nearest_known_name_only_when_it_is_close(string typed, string? expected)
    {
        Assert.Equal(expected, Suggestions.Closest(typed, ManifestReader.Known["site"]));
    }
}
