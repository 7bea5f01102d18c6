using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flip.Imaging.Dicom;

namespace Flip.Datasets.Manifests;

/// <summary>Turns a manifest's JSON into a <see cref="Manifest"/>, collecting every problem with its line and JSON path.</summary>
internal sealed partial class ManifestReader
{
    /// <summary>Every object of the format and the properties it accepts; the JSON Schema's <c>$defs</c> use the same names.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Known = new Dictionary<string, string[]>
    {
        ["manifest"] = ["$schema", "version", "cohort", "channels", "labels", "sites", "splits"],
        ["cohort"] = ["name", "description", "licence", "citation", "download"],
        ["download"] = ["url", "instructions"],
        ["channel"] = ["name", "required", "seriesDescription", "modality", "attributes", "file", "volumeIndex"],
        ["labels"] = ["table", "patientColumn", "siteColumn", "isupColumn", "lesionMask", "glandMask"],
        ["site"] = ["id", "displayName", "country", "vendor", "fieldStrengthTesla", "source"],
        ["source"] = ["folder", "dicomweb"],
        ["dicomweb"] = ["url", "auth", "caCertificate", "query", "masks"],
        ["auth"] = ["scheme", "usernameEnv", "secretEnv"],
        ["splits"] = ["lists", "ratios", "seed"],
    };

    /// <summary>Property names that would hold a secret (compared lower case, without dashes and underscores).</summary>
    private static readonly HashSet<string> SecretNames =
        ["password", "passwd", "pwd", "secret", "token", "accesstoken", "bearertoken", "apikey", "clientsecret", "privatekey", "credentials"];

    private readonly string _file;
    private readonly string _folder;
    private readonly List<ManifestProblem> _problems = [];
    private readonly bool _checkData;
    private DownloadInfo? _download;

    private ManifestReader(string path, bool checkData)
    {
        _checkData = checkData;
        _file = System.IO.Path.GetFileName(path);
        _folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
    }

    public static (Manifest? Manifest, IReadOnlyList<ManifestProblem> Problems) Read(string path, byte[] utf8, bool checkData)
    {
        var reader = new ManifestReader(path, checkData);
        LocatedJson root;
        try
        {
            root = LocatedJson.Parse(utf8);
        }
        catch (JsonException e)
        {
            int line = (int)(e.LineNumber ?? 0) + 1;
            string detail = e.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd('.');
            reader.Add(line, "$", $"not valid JSON ({detail}); expected a JSON object. Fix the syntax at that line (a missing comma, quote or bracket).");
            return (null, reader._problems);
        }

        Manifest? manifest = reader.ReadManifest(root, System.IO.Path.GetFullPath(path));
        return (reader._problems.Count == 0 ? manifest : null, reader._problems.OrderBy(p => p.Line).ToList());
    }

    private void Add(int line, string path, string message) => _problems.Add(new ManifestProblem(_file, line, path, message));

    private void Add(LocatedJson node, string message) => Add(node.Line, node.Path, message);

    private Manifest? ReadManifest(LocatedJson root, string fullPath)
    {
        FindSecrets(root);
        if (!Object(root, "manifest"))
        {
            return null;
        }

        if (root["$schema"] is { } schema && schema.Kind != JsonValueKind.String)
        {
            Add(schema, $"found {LocatedJson.KindName(schema.Kind)}; expected a string (the path or URL of manifest.v1.schema.json).");
        }

        LocatedJson? version = root["version"];
        if (version is null)
        {
            Add(root, "property \"version\" is missing; expected \"version\": 1. Add it as the first property.");
        }
        else if (version.Kind != JsonValueKind.Number || version.Number != 1)
        {
            Add(version, $"found {Describe(version)}; expected 1, the only manifest version this program reads. Set \"version\": 1 (and check the file follows manifest.v1.schema.json).");
        }

        CohortDescription? cohort = Require(root, "cohort", "an object with name and description") is { } c ? ReadCohort(c) : null;
        var channels = new List<ChannelRule>();
        if (Require(root, "channels", "a non-empty array of channels") is { } channelsNode && Array(channelsNode, "channels"))
        {
            foreach (LocatedJson item in channelsNode.Items)
            {
                if (ReadChannel(item) is { } channel) channels.Add(channel);
            }

            CheckChannels(channelsNode, channels);
        }

        LabelSource? labels = Require(root, "labels", "an object naming the patient table and masks") is { } l ? ReadLabels(l) : null;
        var sites = new List<ManifestSite>();
        if (Require(root, "sites", "a non-empty array of sites") is { } sitesNode && Array(sitesNode, "sites"))
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (LocatedJson item in sitesNode.Items)
            {
                if (ReadSite(item) is { } site)
                {
                    if (!seen.Add(site.Id))
                    {
                        Add(item["id"]!, $"site id \"{site.Id}\" is used twice; expected each site id once. Rename one of them.");
                    }

                    sites.Add(site);
                }
            }
        }

        SplitRule? splits = root["splits"] is { } s ? ReadSplits(s) : null;
        if (cohort is null || labels is null || _problems.Count > 0)
        {
            return null;
        }

        return new Manifest(fullPath, 1, cohort, channels, labels, sites, splits);
    }

    private void FindSecrets(LocatedJson node)
    {
        foreach (var (name, value) in node.Properties)
        {
            string key = name.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
            if (SecretNames.Contains(key))
            {
                Add(value, $"\"{name}\" would hold a secret in the file; a manifest never holds a password or token. Remove it, put the secret in an environment variable and name that variable in auth.secretEnv.");
            }

            FindSecrets(value);
        }

        foreach (LocatedJson item in node.Items)
        {
            FindSecrets(item);
        }
    }

    private bool Object(LocatedJson node, string definition)
    {
        if (node.Kind != JsonValueKind.Object)
        {
            Add(node, $"found {Describe(node)}; expected an object ({definition}).");
            return false;
        }

        string[] known = Known[definition];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in node.Properties)
        {
            string path = value.Path;
            if (!seen.Add(name))
            {
                Add(value.Line, path, $"property \"{name}\" appears twice; expected it once. Delete one of them.");
            }

            string key = name.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
            if (known.Contains(name) || SecretNames.Contains(key))
            {
                continue;
            }

            string? close = Suggestions.Closest(name, known);
            Add(value.Line, path, close is not null
                ? $"unknown property \"{name}\"; did you mean \"{close}\"? Rename it to \"{close}\"."
                : $"unknown property \"{name}\"; expected one of {string.Join(", ", known.Select(k => $"\"{k}\""))}. Remove it or fix its name.");
        }

        return true;
    }

    private bool Array(LocatedJson node, string what)
    {
        if (node.Kind != JsonValueKind.Array || node.Items.Count == 0)
        {
            Add(node, $"found {Describe(node)}; expected a non-empty array of {what}. Add at least one.");
            return false;
        }

        return true;
    }

    private LocatedJson? Require(LocatedJson parent, string name, string expected)
    {
        LocatedJson? node = parent[name];
        if (node is null)
        {
            Add(parent.Line, parent.Path, $"property \"{name}\" is missing; expected {expected}. Add \"{name}\".");
        }

        return node;
    }

    private string? String(LocatedJson parent, string name, bool required, string expected)
    {
        LocatedJson? node = required ? Require(parent, name, expected) : parent[name];
        if (node is null)
        {
            return null;
        }

        if (node.Kind != JsonValueKind.String || string.IsNullOrWhiteSpace(node.Text))
        {
            Add(node, $"found {Describe(node)}; expected {expected}.");
            return null;
        }

        return node.Text;
    }

    private string? RelativePath(LocatedJson parent, string name, bool required, string expected)
    {
        string? text = String(parent, name, required, expected);
        if (text is not null && (System.IO.Path.IsPathRooted(text) || text.Contains('\\', StringComparison.Ordinal)))
        {
            Add(parent[name]!, $"\"{text}\" is not a relative path with forward slashes; expected {expected}. Write it relative to the manifest's folder (a manifest must work on every machine).");
            return null;
        }

        return text;
    }

    private static string Describe(LocatedJson node) => node.Kind switch
    {
        JsonValueKind.String => $"\"{node.Text}\"",
        JsonValueKind.Number => node.Text ?? node.Number.ToString(CultureInfo.InvariantCulture),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Array when node.Items.Count == 0 => "an empty array",
        _ => LocatedJson.KindName(node.Kind),
    };

    private CohortDescription? ReadCohort(LocatedJson node)
    {
        if (!Object(node, "cohort")) return null;
        string? name = String(node, "name", true, "a short name such as \"PI-CAI public training\"");
        string? description = String(node, "description", true, "one or two sentences describing the data");
        string? licence = String(node, "licence", false, "the licence of the data, such as \"CC BY-NC 4.0\"");
        string? citation = String(node, "citation", false, "how to cite the data set");
        DownloadInfo? download = null;
        if (node["download"] is { } d && Object(d, "download"))
        {
            string? url = Url(d, "url", "the http(s) address of the data set's download page");
            string? instructions = String(d, "instructions", false, "what to download and where to unpack it");
            download = url is null ? null : new DownloadInfo(url, instructions);
            _download = download;
        }

        return name is null || description is null ? null : new CohortDescription(name, description, licence, citation, download);
    }

    private string? Url(LocatedJson parent, string name, string expected)
    {
        string? text = String(parent, name, true, expected);
        if (text is null) return null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
        {
            Add(parent[name]!, $"\"{text}\" is not an http(s) URL; expected {expected}.");
            return null;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            Add(parent[name]!, "the URL holds a user name or password before '@'; a manifest never holds credentials. Remove them from the URL and use auth with usernameEnv and secretEnv.");
            return null;
        }

        return text;
    }

    private ChannelRule? ReadChannel(LocatedJson node)
    {
        if (!Object(node, "channel")) return null;
        string? name = String(node, "name", true, "a channel name such as \"T2W\", \"ADC\", \"DWI\" or \"PET\"");
        bool required = true;
        if (node["required"] is { } r)
        {
            if (r.Kind is JsonValueKind.True or JsonValueKind.False) required = r.Boolean;
            else Add(r, $"found {Describe(r)}; expected true or false.");
        }

        var descriptions = new List<string>();
        if (node["seriesDescription"] is { } sd)
        {
            if (sd.Kind == JsonValueKind.String && !string.IsNullOrWhiteSpace(sd.Text)) descriptions.Add(sd.Text);
            else if (sd.Kind == JsonValueKind.Array && sd.Items.Count > 0 && sd.Items.All(i => i.Kind == JsonValueKind.String && !string.IsNullOrWhiteSpace(i.Text)))
                descriptions.AddRange(sd.Items.Select(i => i.Text!));
            else Add(sd, $"found {Describe(sd)}; expected a Series Description glob such as \"t2*tra*\" or a non-empty array of them.");
        }

        string? modality = String(node, "modality", false, "a DICOM modality such as \"MR\" or \"PT\"");
        if (modality is not null && !ModalityPattern().IsMatch(modality))
        {
            Add(node["modality"]!, $"\"{modality}\" is not a DICOM modality; expected upper-case letters such as \"MR\" or \"PT\".");
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node["attributes"] is { } a)
        {
            if (a.Kind != JsonValueKind.Object)
            {
                Add(a, $"found {Describe(a)}; expected an object of DICOM keyword → value glob, such as {{\"ScanningSequence\": \"SE\"}}.");
            }
            else
            {
                foreach (var (keyword, value) in a.Properties)
                {
                    if (!DicomDictionary.TryFindKeyword(keyword, out _))
                    {
                        Add(value, $"\"{keyword}\" is not a DICOM keyword; expected a keyword of the DICOM dictionary such as \"ProtocolName\". Check its spelling.");
                    }
                    else if (value.Kind != JsonValueKind.String)
                    {
                        Add(value, $"found {Describe(value)}; expected a glob of the attribute's value as a string.");
                    }
                    else
                    {
                        attributes[keyword] = value.Text!;
                    }
                }
            }
        }

        string? file = RelativePath(node, "file", false, "a file pattern relative to the site's folder, such as \"{patient}/{patient}_t2w.mha\"");
        if (file is not null && !file.Contains("{patient}", StringComparison.Ordinal))
        {
            Add(node["file"]!, $"\"{file}\" has no {{patient}} placeholder; expected a pattern that names each patient's file, such as \"{{patient}}/t2.nii.gz\".");
        }

        int volumeIndex = 0;
        if (node["volumeIndex"] is { } vi)
        {
            if (vi.Kind != JsonValueKind.Number || vi.Number != Math.Floor(vi.Number) || vi.Number is < 0 or > 1000)
                Add(vi, $"found {Describe(vi)}; expected a whole number ≥ 0 (the volume of a 4-D NIfTI file).");
            else if (node["file"] is null)
                Add(vi, "volumeIndex is set but file is not; expected volumeIndex only with a NIfTI file pattern. Add \"file\" or remove \"volumeIndex\".");
            else volumeIndex = (int)vi.Number;
        }

        bool dicom = node["seriesDescription"] is not null || node["modality"] is not null || node["attributes"] is not null;
        if (node["file"] is not null && dicom)
        {
            Add(node, "the channel has both a file pattern and DICOM rules; expected either \"file\" (NIfTI/MHA) or seriesDescription/modality/attributes (DICOM). Keep one kind.");
        }
        else if (node["file"] is null && !dicom)
        {
            Add(node, "the channel says nothing about how to find it; expected \"seriesDescription\", \"modality\" or \"attributes\" (DICOM) or \"file\" (NIfTI/MHA). Add one.");
        }

        return name is null ? null : new ChannelRule(name, required, descriptions, modality, attributes, file, volumeIndex);
    }

    private void CheckChannels(LocatedJson node, List<ChannelRule> channels)
    {
        foreach (var duplicate in channels.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            Add(node, $"channel \"{duplicate.Key}\" is listed {duplicate.Count()} times; expected each channel once. Merge the rules into one channel.");
        }

        if (channels.Count > 0 && !channels.Any(c => c.Required))
        {
            Add(node, "no channel is required; expected at least one required channel (the first, usually T2W, is the grid the others are resampled onto). Set \"required\": true on it.");
        }
    }

    private LabelSource? ReadLabels(LocatedJson node)
    {
        if (!Object(node, "labels")) return null;
        string? table = RelativePath(node, "table", false, "the patient table CSV, relative to the manifest's folder, such as \"labels.csv\"");
        bool hasTable = node["table"] is not null;
        string? patient = String(node, "patientColumn", hasTable, "the name of the table's patient id column");
        string? site = String(node, "siteColumn", false, "the name of the table's site id column");
        string? isup = String(node, "isupColumn", hasTable, "the name of the table's ISUP grade column");
        string? lesion = MaskPattern(node, "lesionMask");
        string? gland = MaskPattern(node, "glandMask");
        if (!hasTable)
        {
            foreach (string column in new[] { "patientColumn", "siteColumn", "isupColumn" }.Where(c => node[c] is not null))
            {
                Add(node[column]!, $"{column} is set but table is not; expected a column name only with a patient table. Add \"table\" or remove \"{column}\".");
            }
        }

        string? tablePath = table is null ? null : System.IO.Path.GetFullPath(System.IO.Path.Combine(_folder, table));
        if (_checkData && tablePath is not null && !File.Exists(tablePath))
        {
            Add(node["table"]!, $"the patient table '{tablePath}' does not exist; expected the data set's label table there. {Manifest.WhereToGet(_download)}");
        }

        return new LabelSource(tablePath, patient ?? "patient", site, isup ?? "isup", lesion, gland);
    }

    private string? MaskPattern(LocatedJson node, string name)
    {
        string? pattern = RelativePath(node, name, false, "a mask file pattern relative to the site's folder, such as \"{patient}/lesion.nii.gz\"");
        if (pattern is not null && !pattern.Contains("{patient}", StringComparison.Ordinal))
        {
            Add(node[name]!, $"\"{pattern}\" has no {{patient}} placeholder; expected a pattern that names each patient's mask, such as \"{{patient}}/gland.nii.gz\".");
            return null;
        }

        return pattern;
    }

    private ManifestSite? ReadSite(LocatedJson node)
    {
        if (!Object(node, "site")) return null;
        string? id = String(node, "id", true, "a site id such as \"site-1\"");
        if (id is not null && !SiteIdPattern().IsMatch(id))
        {
            Add(node["id"]!, $"\"{id}\" is not a site id; expected lower-case letters, digits and dashes, such as \"site-1\" or \"radboudumc\".");
            id = null;
        }

        string? displayName = String(node, "displayName", true, "the hospital's name");
        string country = String(node, "country", false, "the country") ?? "unknown";
        string vendor = String(node, "vendor", false, "the MRI scanner vendor") ?? "unknown";
        double tesla = 0;
        if (node["fieldStrengthTesla"] is { } t)
        {
            if (t.Kind != JsonValueKind.Number || t.Number is <= 0 or > 12) Add(t, $"found {Describe(t)}; expected the MRI field strength in tesla, a number such as 1.5 or 3.");
            else tesla = t.Number;
        }

        SiteSource? source = Require(node, "source", "{\"folder\": \"relative/path\"} or {\"dicomweb\": {…}}") is { } s ? ReadSource(s) : null;
        return id is null || displayName is null || source is null ? null : new ManifestSite(id, displayName, country, vendor, tesla, source);
    }

    private SiteSource? ReadSource(LocatedJson node)
    {
        if (!Object(node, "source")) return null;
        bool folder = node["folder"] is not null, web = node["dicomweb"] is not null;
        if (folder == web)
        {
            Add(node, $"the source has {(folder ? "both folder and dicomweb" : "neither folder nor dicomweb")}; expected exactly one of them.");
            return null;
        }

        if (folder)
        {
            string? path = RelativePath(node, "folder", true, "the site's folder relative to the manifest's folder");
            if (path is null) return null;
            string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(_folder, path));
            if (_checkData && !Directory.Exists(full))
            {
                Add(node["folder"]!, $"the site's folder '{full}' does not exist; expected the site's images there. {Manifest.WhereToGet(_download)}");
            }

            return new SiteSource(full, null);
        }

        LocatedJson w = node["dicomweb"]!;
        if (!Object(w, "dicomweb")) return null;
        string? url = Url(w, "url", "the DICOMweb service's base URL, such as \"https://pacs.example.org/dicom-web\"");
        DicomWebAuth? auth = null;
        if (w["auth"] is { } a && Object(a, "auth"))
        {
            string? scheme = String(a, "scheme", true, "\"basic\" or \"bearer\"");
            if (scheme is not null and not ("basic" or "bearer"))
            {
                Add(a["scheme"]!, $"\"{scheme}\" is not an auth scheme; expected \"basic\" or \"bearer\".");
                scheme = null;
            }

            string? user = EnvName(a, "usernameEnv", scheme == "basic");
            string? secret = EnvName(a, "secretEnv", true);
            if (scheme == "bearer" && a["usernameEnv"] is { } u)
            {
                Add(u, "usernameEnv is set for bearer auth; expected it only with \"basic\". Remove it.");
            }

            auth = scheme is null || secret is null ? null : new DicomWebAuth(scheme, user, secret);
            if (url is not null && DicomWeb.DicomWebAuth.IsPlaintextOffLoopback(new Uri(url)))
            {
                Add(w["url"]!, $"\"{url}\" would send the PACS credentials (auth) unencrypted over plain http to another machine; expected an https:// address, or plain http only to this machine (127.0.0.1, [::1] or localhost). Use the PACS's https:// address (with caCertificate when it uses the hospital's own CA).");
            }
        }

        string? ca = RelativePath(w, "caCertificate", false, "a PEM CA certificate relative to the manifest's folder");
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        if (w["query"] is { } q)
        {
            if (q.Kind != JsonValueKind.Object) Add(q, $"found {Describe(q)}; expected an object of QIDO-RS query parameters such as {{\"ModalitiesInStudy\": \"MR\"}}.");
            else
            {
                foreach (var (key, value) in q.Properties)
                {
                    if (value.Kind is JsonValueKind.String or JsonValueKind.Number) query[key] = value.Text!;
                    else Add(value, $"found {Describe(value)}; expected a string query value.");
                }
            }
        }

        string? masks = RelativePath(w, "masks", false, "a local folder of the site's lesion and gland masks, relative to the manifest's folder");
        return url is null ? null : new SiteSource(null, new DicomWebSource(url, auth, ca is null ? null : System.IO.Path.GetFullPath(System.IO.Path.Combine(_folder, ca)), query,
            masks is null ? null : System.IO.Path.GetFullPath(System.IO.Path.Combine(_folder, masks))));
    }

    private string? EnvName(LocatedJson parent, string name, bool required)
    {
        string? text = String(parent, name, required, $"the name of an environment variable, such as \"{(name == "secretEnv" ? "PACS_TOKEN" : "PACS_USER")}\"");
        if (text is not null && !EnvPattern().IsMatch(text))
        {
            Add(parent[name]!, $"\"{text}\" is not an environment variable name; expected letters, digits and underscores such as \"PACS_TOKEN\" (the variable holds the value, the manifest only names it).");
            return null;
        }

        return text;
    }

    private SplitRule? ReadSplits(LocatedJson node)
    {
        if (!Object(node, "splits")) return null;
        bool lists = node["lists"] is not null, ratios = node["ratios"] is not null;
        if (lists == ratios)
        {
            Add(node, $"splits has {(lists ? "both lists and ratios" : "neither lists nor ratios")}; expected exactly one of them.");
            return null;
        }

        int seed = 0;
        if (node["seed"] is { } s)
        {
            if (s.Kind != JsonValueKind.Number || s.Number != Math.Floor(s.Number) || Math.Abs(s.Number) > int.MaxValue) Add(s, $"found {Describe(s)}; expected a whole number.");
            else if (lists) Add(s, "seed is set with explicit lists; expected a seed only with ratios. Remove it.");
            else seed = (int)s.Number;
        }

        if (lists)
        {
            LocatedJson l = node["lists"]!;
            if (l.Kind != JsonValueKind.Object || l.Properties.Count == 0)
            {
                Add(l, $"found {Describe(l)}; expected an object of split name → patient ids, such as {{\"train\": [\"p1\"], \"test\": [\"p2\"]}}.");
                return null;
            }

            var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            var owner = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in l.Properties)
            {
                if (value.Kind != JsonValueKind.Array || value.Items.Any(i => i.Kind != JsonValueKind.String))
                {
                    Add(value, $"found {Describe(value)}; expected an array of patient ids (strings).");
                    continue;
                }

                foreach (LocatedJson item in value.Items)
                {
                    if (owner.TryGetValue(item.Text!, out string? other))
                        Add(item, $"patient \"{item.Text}\" is in split \"{other}\" and \"{name}\"; expected each patient in one split (grouped by patient). Remove one.");
                    else owner[item.Text!] = name;
                }

                result[name] = value.Items.Select(i => i.Text!).ToList();
            }

            return new SplitRule(result, null, 0);
        }

        LocatedJson r = node["ratios"]!;
        if (r.Kind != JsonValueKind.Object || r.Properties.Count == 0)
        {
            Add(r, $"found {Describe(r)}; expected an object of split name → fraction, such as {{\"train\": 0.7, \"test\": 0.3}}.");
            return null;
        }

        var fractions = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, value) in r.Properties)
        {
            if (value.Kind != JsonValueKind.Number || value.Number is <= 0 or > 1) Add(value, $"found {Describe(value)}; expected a fraction in (0, 1].");
            else fractions[name] = value.Number;
        }

        if (fractions.Count == r.Properties.Count && Math.Abs(fractions.Values.Sum() - 1) > 1e-6)
        {
            Add(r, string.Create(CultureInfo.InvariantCulture, $"the ratios sum to {fractions.Values.Sum():0.###}; expected 1. Adjust them."));
        }

        return new SplitRule(null, fractions, seed);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex SiteIdPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvPattern();

    [GeneratedRegex("^[A-Z]{2,3}$")]
    private static partial Regex ModalityPattern();
}
