using System.Globalization;
using System.Runtime.CompilerServices;
using Flip.Imaging.Dicom;
using Flip.Imaging.MetaImage;
using Flip.Imaging.Nifti;
using Flip.Imaging.Volumes;

namespace Flip.Datasets.Manifests;

/// <summary>Loads a manifest's cohort from disk: the sites' folders, the series index, channels, masks and labels.</summary>
/// <remarks>
/// <para>Patients are the rows of the patient table (of the site, when the table has a site column; found in the
/// site's data otherwise), or, without a table, the patients found in the data (ISUP 0).</para>
/// <para>DICOM: each series goes to the first channel (in manifest order) whose rules it matches; when several
/// series of a patient match a channel, the one with the most slices wins, and channels prefer the study of the
/// first one. NIfTI/MHA: the first file (in name order) matching the channel's pattern. Every channel and mask is
/// resampled onto the grid of the first loaded channel (linear for images, nearest for masks; a mask is 1 where
/// its value is above 0.5). A patient without a lesion mask file has no lesion.</para>
/// <para>Patient keys are pseudonymous (<c>site-1/p0001</c>, in table order); the hospital's name, patient id
/// and birth date stay in <see cref="Patient.Identity"/> and never appear in a message.</para>
/// </remarks>
public static class ManifestCohort
{
    private static readonly ConditionalWeakTable<Patient, string[]> SourceFiles = [];

    /// <summary>
    /// What identifies a loaded patient's source for a <see cref="Preprocessing.SampleCache"/>: its image and mask files
    /// (<see cref="Preprocessing.SourceIdentity.OfFiles"/>) and its ISUP grade, so a changed file or label rebuilds the samples.
    /// </summary>
    /// <param name="patient">A patient of a cohort this class loaded.</param>
    /// <returns>The identity.</returns>
    /// <exception cref="ArgumentException">The patient was not loaded from a manifest.</exception>
    public static string SourceIdentity(Patient patient)
    {
        ArgumentNullException.ThrowIfNull(patient);
        if (!SourceFiles.TryGetValue(patient, out string[]? files))
        {
            throw new ArgumentException("the patient was not loaded from a manifest.", nameof(patient));
        }

        return string.Create(CultureInfo.InvariantCulture, $"{Preprocessing.SourceIdentity.OfFiles(files)};isup={patient.IsupGrade}");
    }

    /// <summary>Loads the cohort; images are read when a patient's images are loaded.</summary>
    /// <param name="manifest">The manifest.</param>
    /// <param name="options">Cache folder, source resolvers, channels; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels indexing and fetching.</param>
    /// <returns>The cohort, sites in manifest order.</returns>
    /// <exception cref="FlipException">Data is absent (the message says where to get it), the table is bad, or patients lack a channel (all listed).</exception>
    public static Cohort Load(Manifest manifest, ManifestCohortOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        options ??= new ManifestCohortOptions();
        IReadOnlyList<ChannelRule> channels = Channels(manifest, options);
        LabelTable? table = manifest.Labels.Table is null ? null : LabelTable.Read(manifest.Labels, manifest.WhereToGetData());
        var sites = new List<CohortSite>();
        var problems = new List<string>();
        foreach (ManifestSite site in manifest.Sites)
        {
            SiteScan scan = Scan(manifest, site, options, table, cancellationToken);
            var patients = new List<Patient>();
            for (int i = 0; i < scan.Patients.Count; i++)
            {
                PatientEntry entry = scan.Patients[i];
                string key = string.Create(CultureInfo.InvariantCulture, $"{site.Id}/p{i + 1:D4}");
                var missing = channels.Where(c => !entry.Channels.ContainsKey(c.Name)).Select(c => c.Name).ToList();
                if (missing.Count > 0)
                {
                    problems.Add($"{key}{(entry.Line > 0 ? $" ({Path.GetFileName(manifest.Labels.Table)} line {entry.Line})" : string.Empty)}: no {string.Join(", ", missing)} found in {scan.Folder}");
                    continue;
                }

                var patient = new Patient(key, entry.IsupGrade, Identity(scan.Folder, entry), () => LoadImages(scan.Folder, channels, entry));
                SourceFiles.AddOrUpdate(patient, Files(scan.Folder, channels, entry));
                patients.Add(patient);
            }

            bool hasPet = scan.Patients.Any(p => p.Channels.ContainsKey("PET"));
            sites.Add(new CohortSite(site.Id, site.DisplayName, site.Country, site.Vendor, site.FieldStrengthTesla, hasPet, patients));
        }

        if (problems.Count > 0)
        {
            throw new FlipException($"{problems.Count} patient(s) of manifest '{manifest.Path}' lack a channel the cohort needs:{Environment.NewLine}  "
                + string.Join(Environment.NewLine + "  ", problems.Take(20)) + (problems.Count > 20 ? $"{Environment.NewLine}  … and {problems.Count - 20} more" : string.Empty),
                ExitCodes.BadInput, "check the channels' seriesDescription/modality/file rules against the data (flip-research dicom index DIR lists the series), or mark the channel \"required\": false.");
        }

        return new Cohort(manifest.Cohort.Name, manifest.Cohort.Description, sites);
    }

    /// <summary>Counts what every site holds without reading pixels; a site whose data is absent is reported, not thrown.</summary>
    /// <param name="manifest">The manifest.</param>
    /// <param name="options">Cache folder and source resolvers; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels indexing.</param>
    /// <returns>One summary per site, in manifest order.</returns>
    /// <exception cref="FlipException">The patient table is present but bad.</exception>
    public static IReadOnlyList<ManifestSiteSummary> Summarize(Manifest manifest, ManifestCohortOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        options ??= new ManifestCohortOptions();
        LabelTable? table = manifest.Labels.Table is not null && File.Exists(manifest.Labels.Table) ? LabelTable.Read(manifest.Labels, manifest.WhereToGetData()) : null;
        var summaries = new List<ManifestSiteSummary>();
        foreach (ManifestSite site in manifest.Sites)
        {
            try
            {
                if (manifest.Labels.Table is not null && table is null)
                {
                    throw new FlipException($"the patient table '{manifest.Labels.Table}' does not exist.", ExitCodes.BadInput, manifest.WhereToGetData());
                }

                SiteScan scan = Scan(manifest, site, options, table, cancellationToken);
                var counts = manifest.Channels.ToDictionary(c => c.Name, c => scan.Patients.Count(p => p.Channels.ContainsKey(c.Name)), StringComparer.Ordinal);
                summaries.Add(new ManifestSiteSummary(site, scan.Folder, scan.Patients.Count, scan.Patients.Count(p => p.IsupGrade >= 2), counts, null));
            }
            catch (FlipException e)
            {
                summaries.Add(new ManifestSiteSummary(site, null, 0, 0, new Dictionary<string, int>(), e.ToUserText()));
            }
        }

        return summaries;
    }

    /// <summary>Indexes every site's DICOM series into the cache (every site is skipped when no channel is DICOM; a site whose data is absent is skipped).</summary>
    /// <param name="manifest">The manifest.</param>
    /// <param name="options">Cache folder and source resolvers.</param>
    /// <param name="cancellationToken">Cancels indexing.</param>
    /// <returns>Per site: the index (or <see langword="null"/>), whether the cache was reused, and why a site was skipped.</returns>
    public static IReadOnlyList<(ManifestSite Site, SeriesIndex? Index, bool Reused, string? Skipped)> Index(Manifest manifest, ManifestCohortOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        options ??= new ManifestCohortOptions();
        var result = new List<(ManifestSite, SeriesIndex?, bool, string?)>();
        foreach (ManifestSite site in manifest.Sites)
        {
            if (manifest.Channels.All(c => c.IsFile))
            {
                result.Add((site, null, false, "every channel is a NIfTI/MetaImage file pattern; there are no DICOM series to index."));
                continue;
            }

            try
            {
                string folder = ResolveFolder(manifest, site, options, cancellationToken);
                SeriesIndex index = SeriesIndex.GetOrBuild(site.Id, folder, options.CacheFolderFor(manifest), out bool reused, options.MaxParallelism, cancellationToken);
                result.Add((site, index, reused, null));
            }
            catch (FlipException e)
            {
                result.Add((site, null, false, e.ToUserText()));
            }
        }

        return result;
    }

    private static IReadOnlyList<ChannelRule> Channels(Manifest manifest, ManifestCohortOptions options)
    {
        if (options.Channels is null) return manifest.RequiredChannels;
        var rules = new List<ChannelRule>();
        foreach (string name in options.Channels)
        {
            rules.Add(manifest.Channels.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new FlipException($"manifest '{manifest.Path}' has no channel \"{name}\"; expected one of {string.Join(", ", manifest.Channels.Select(c => c.Name))}.", ExitCodes.BadCommandLine));
        }

        return rules;
    }

    private static string ResolveFolder(Manifest manifest, ManifestSite site, ManifestCohortOptions options, CancellationToken cancellationToken)
    {
        if (site.Source.Folder is { } folder)
        {
            if (!Directory.Exists(folder))
            {
                throw new FlipException($"site {site.Id}: the folder '{folder}' does not exist; expected the site's images there.", ExitCodes.BadInput, manifest.WhereToGetData());
            }

            return folder;
        }

        ISiteSourceResolver resolver = options.Resolvers.FirstOrDefault(r => r.CanResolve(site.Source))
            ?? throw new FlipException($"site {site.Id}: its source is {site.Source}, and nothing here can fetch it; expected a folder source or a registered resolver.", ExitCodes.BadInput,
                "fetch the site's studies into a folder and point \"source\" at it, or run with DICOMweb support.");
        return resolver.Resolve(manifest, site, options.CacheFolderFor(manifest), cancellationToken);
    }

    private static SiteScan Scan(Manifest manifest, ManifestSite site, ManifestCohortOptions options, LabelTable? table, CancellationToken cancellationToken)
    {
        string folder = ResolveFolder(manifest, site, options, cancellationToken);
        IReadOnlyList<string> files = PathPattern.List(folder);
        var dicomChannels = manifest.Channels.Where(c => !c.IsFile).ToList();
        var series = new Dictionary<string, List<IndexedSeries>>(StringComparer.Ordinal);
        if (dicomChannels.Count > 0)
        {
            SeriesIndex index = SeriesIndex.GetOrBuild(site.Id, folder, options.CacheFolderFor(manifest), out _, options.MaxParallelism, cancellationToken);
            foreach (IndexedSeries s in index.Series)
            {
                if (!series.TryGetValue(s.PatientId, out var list)) series[s.PatientId] = list = [];
                list.Add(s);
            }
        }

        ChannelRule? firstFile = manifest.Channels.FirstOrDefault(c => c.IsFile && c.Required) ?? manifest.Channels.FirstOrDefault(c => c.IsFile);
        var found = new HashSet<string>(series.Keys, StringComparer.Ordinal);
        if (firstFile is not null)
        {
            found.UnionWith(PathPattern.Patients(firstFile.File!, site.Id, files));
        }

        IEnumerable<(string Id, int Isup, int Line)> ids = table is null
            ? found.Order(StringComparer.Ordinal).Select(id => (id, 0, 0))
            : table.Rows
                .Where(r => manifest.Labels.SiteColumn is not null ? string.Equals(r.SiteId, site.Id, StringComparison.OrdinalIgnoreCase)
                    : manifest.Sites.Count == 1 || found.Contains(r.PatientId))
                .Select(r => (r.PatientId, r.IsupGrade, r.Line));
        // Each pattern's files for any patient, found once: a patient's lookup then scans a short list.
        var candidates = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        string? Find(string? pattern, string id)
        {
            if (pattern is null) return null;
            if (!candidates.TryGetValue(pattern, out var list)) candidates[pattern] = list = PathPattern.Candidates(pattern, site.Id, files);
            return PathPattern.Find(pattern, site.Id, id, list) is [var first, ..] ? first : null;
        }

        // Masks: in the site's folder, or in the local annotation folder a DICOMweb site names (absolute paths then).
        string? maskFolder = site.Source.DicomWeb?.Masks;
        if (maskFolder is not null && !Directory.Exists(maskFolder))
        {
            throw new FlipException($"site {site.Id}: the masks folder '{maskFolder}' does not exist; expected the site's lesion and gland masks there.", ExitCodes.BadInput,
                "fix \"masks\" in the site's dicomweb source, or remove it to search the fetched studies.");
        }

        IReadOnlyList<string> maskFiles = maskFolder is null ? files : PathPattern.List(maskFolder);
        var maskCandidates = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        string? FindMask(string? pattern, string id)
        {
            if (maskFolder is null) return Find(pattern, id);
            if (pattern is null) return null;
            if (!maskCandidates.TryGetValue(pattern, out var list)) maskCandidates[pattern] = list = PathPattern.Candidates(pattern, site.Id, maskFiles);
            return PathPattern.Find(pattern, site.Id, id, list) is [var first, ..] ? Path.Combine(maskFolder, first) : null;
        }

        var headers = new Dictionary<string, DicomDataset>(StringComparer.Ordinal);
        var patients = new List<PatientEntry>();
        foreach (var (id, isup, line) in ids)
        {
            var assigned = new Dictionary<string, ChannelData>(StringComparer.Ordinal);
            if (series.TryGetValue(id, out var patientSeries))
            {
                AssignSeries(folder, dicomChannels, patientSeries, headers, assigned);
            }

            foreach (ChannelRule rule in manifest.Channels.Where(c => c.IsFile))
            {
                if (Find(rule.File, id) is { } file)
                {
                    assigned[rule.Name] = new ChannelData(null, file, rule.VolumeIndex);
                }
            }

            string? lesion = FindMask(manifest.Labels.LesionMask, id);
            string? gland = FindMask(manifest.Labels.GlandMask, id);
            patients.Add(new PatientEntry(id, isup, line, assigned, lesion, gland, manifest.Labels.GlandMask is not null));
        }

        return new SiteScan(folder, patients);
    }

    private static void AssignSeries(string folder, List<ChannelRule> rules, List<IndexedSeries> patientSeries, Dictionary<string, DicomDataset> headers,
        Dictionary<string, ChannelData> assigned)
    {
        var candidates = new Dictionary<string, List<IndexedSeries>>(StringComparer.Ordinal);
        foreach (IndexedSeries s in patientSeries)
        {
            if (rules.FirstOrDefault(r => Matches(folder, r, s, headers)) is { } rule)
            {
                if (!candidates.TryGetValue(rule.Name, out var list)) candidates[rule.Name] = list = [];
                list.Add(s);
            }
        }

        string? study = null;
        foreach (ChannelRule rule in rules)
        {
            if (!candidates.TryGetValue(rule.Name, out var list)) continue;
            IndexedSeries best = list
                .OrderByDescending(s => s.StudyInstanceUid == study)
                .ThenByDescending(s => s.SliceCount)
                .ThenBy(s => s.SeriesInstanceUid, StringComparer.Ordinal)
                .First();
            study ??= best.StudyInstanceUid;
            assigned[rule.Name] = new ChannelData(best.Files, null, 0);
        }
    }

    private static bool Matches(string folder, ChannelRule rule, IndexedSeries series, Dictionary<string, DicomDataset> headers)
    {
        if (rule.Modality is not null && !string.Equals(rule.Modality, series.Modality, StringComparison.OrdinalIgnoreCase)) return false;
        if (rule.SeriesDescription.Count > 0 && !rule.SeriesDescription.Any(g => PathPattern.Glob(g, series.Description))) return false;
        if (rule.Attributes.Count == 0) return true;
        if (!headers.TryGetValue(series.SeriesInstanceUid, out DicomDataset? header))
        {
            headers[series.SeriesInstanceUid] = header = DicomFile.Open(Path.Combine(folder, series.Files[0]), DicomReadOptions.HeaderOnly).Dataset;
        }

        foreach (var (keyword, glob) in rule.Attributes)
        {
            if (!DicomDictionary.TryFindKeyword(keyword, out DicomTag tag)) return false;
            string value;
            try
            {
                value = string.Join('\\', header.GetStrings(tag));
            }
            catch (DicomFormatException)
            {
                value = string.Empty;
            }

            if (!PathPattern.Glob(glob, value)) return false;
        }

        return true;
    }

    private static PatientIdentity Identity(string folder, PatientEntry entry)
    {
        if (entry.Channels.Values.FirstOrDefault(c => c.DicomFiles is not null) is { } dicom)
        {
            DicomDataset ds = DicomFile.Open(Path.Combine(folder, dicom.DicomFiles![0]), DicomReadOptions.HeaderOnly).Dataset;
            string birth = ds.GetStringOrDefault(DicomTag.PatientBirthDate, string.Empty);
            DateOnly date = DateOnly.TryParseExact(birth, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly d) ? d : default;
            return new PatientIdentity(ds.GetStringOrDefault(DicomTag.PatientName, string.Empty), entry.PatientId, date);
        }

        return new PatientIdentity(string.Empty, entry.PatientId, default);
    }

    private static PatientImages LoadImages(string folder, IReadOnlyList<ChannelRule> rules, PatientEntry entry)
    {
        Volume reference = Read(folder, entry.Channels[rules[0].Name]);
        VolumeGeometry grid = reference.Geometry;
        var channels = new List<float[]> { reference.Voxels };
        foreach (ChannelRule rule in rules.Skip(1))
        {
            Volume volume = Read(folder, entry.Channels[rule.Name]);
            channels.Add(volume.Geometry == grid ? volume.Voxels : VolumeResampler.ToGrid(volume, grid, Interpolation.Linear).Voxels);
        }

        byte[] Mask(string? file, bool required, string what)
        {
            if (file is null)
            {
                if (required)
                {
                    throw new FlipException($"{what} mask not found under '{folder}' for one patient; expected a file matching the manifest's {what}Mask pattern.", ExitCodes.BadInput,
                        "add the mask, or fix the pattern in the manifest's labels section.");
                }

                return new byte[grid.VoxelCount];
            }

            Volume volume = ReadFile(Path.Combine(folder, file), 0);
            float[] voxels = volume.Geometry == grid ? volume.Voxels : VolumeResampler.ToGrid(volume, grid, Interpolation.Nearest).Voxels;
            return [.. voxels.Select(v => v > 0.5f ? (byte)1 : (byte)0)];
        }

        byte[] lesion = Mask(entry.Lesion, false, "lesion");
        byte[] gland = Mask(entry.Gland, entry.GlandRequired, "gland");
        var s = grid.SpacingMm;
        return new PatientImages(grid.SizeX, grid.SizeY, grid.SizeZ, (s.X, s.Y, s.Z), [.. rules.Select(r => r.Name)], channels, lesion, gland);
    }

    private static string[] Files(string folder, IReadOnlyList<ChannelRule> rules, PatientEntry entry)
        => [.. rules.SelectMany(r => entry.Channels[r.Name] is { DicomFiles: { } dicom } ? dicom : [entry.Channels[r.Name].File!])
            .Concat(new[] { entry.Lesion, entry.Gland }.OfType<string>()).Select(f => Path.Combine(folder, f))];

    private static Volume Read(string folder, ChannelData data)
        => data.DicomFiles is not null
            ? SeriesVolume.Load(data.DicomFiles.Select(f => Path.Combine(folder, f)))
            : ReadFile(Path.Combine(folder, data.File!), data.VolumeIndex);

    private static Volume ReadFile(string path, int volumeIndex)
    {
        if (path.EndsWith(".nii", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase))
        {
            return NiftiFile.Read(path, volumeIndex);
        }

        if (path.EndsWith(".mha", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".mhd", StringComparison.OrdinalIgnoreCase))
        {
            return MetaImageFile.Read(path);
        }

        throw new FlipException($"'{Path.GetFileName(path)}' is neither NIfTI (.nii, .nii.gz) nor MetaImage (.mha, .mhd); expected one of those for a file pattern.", ExitCodes.BadInput,
            "point the manifest's pattern at the image files.");
    }

    private sealed record ChannelData(IReadOnlyList<string>? DicomFiles, string? File, int VolumeIndex);

    private sealed record PatientEntry(string PatientId, int IsupGrade, int Line, Dictionary<string, ChannelData> Channels, string? Lesion, string? Gland, bool GlandRequired);

    private sealed record SiteScan(string Folder, IReadOnlyList<PatientEntry> Patients);
}
