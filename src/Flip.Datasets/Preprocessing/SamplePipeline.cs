using System.Collections.Concurrent;
using Flip.Datasets.Samples;
using Flip.Imaging.Volumes;

namespace Flip.Datasets.Preprocessing;

/// <summary>
/// Turns patients' volumes into training samples: resample to a common spacing → crop/pad around the
/// gland → per-volume, per-channel z-score → 2D slices (the slicing of <see cref="SliceSetBuilder"/>) or,
/// with <see cref="PreprocessingSettings.Output"/> = <see cref="SampleOutput.Crops3D"/>, one 3D crop per
/// patient (<see cref="CropSetBuilder"/>), with an optional on-disk cache per patient and lesion-slice
/// oversampling for training (2D only).
/// </summary>
/// <remarks>
/// Patients are processed in parallel, at most <see cref="MaxParallelism"/> at once, so at most that
/// many patients' full volumes are in memory; only the (much smaller) cropped slices or crops are kept.
/// A cache entry is keyed by a SHA-256 of the patient key, its source identity and the settings; a
/// damaged entry is refused (<see cref="SampleCacheException"/>, reported in <see cref="PreprocessedSamples.Refused"/>),
/// deleted and rebuilt. With <see cref="PreprocessingSettings.Default"/> the output equals
/// <see cref="SliceSetBuilder.Build"/>'s, value for value.
/// </remarks>
public sealed class SamplePipeline
{
    private readonly Func<Patient, string>? _sourceIdentity;

    /// <summary>Creates a pipeline.</summary>
    /// <param name="settings">How samples are made; <see langword="null"/> for <see cref="PreprocessingSettings.Default"/>.</param>
    /// <param name="cache">Where samples are cached, or <see langword="null"/> for no cache.</param>
    /// <param name="sourceIdentity">What identifies a patient's source images (needed with a cache), e.g. <see cref="SourceIdentity.OfFiles"/> of its files.</param>
    /// <param name="maxParallelism">Patients processed at once.</param>
    /// <exception cref="FlipException">The settings are invalid.</exception>
    public SamplePipeline(PreprocessingSettings? settings = null, SampleCache? cache = null, Func<Patient, string>? sourceIdentity = null, int maxParallelism = 2)
    {
        Settings = settings ?? PreprocessingSettings.Default;
        string[] problems = [.. Settings.Validate()];
        if (problems.Length > 0)
        {
            throw new FlipException("invalid preprocessing settings: " + string.Join(" ", problems), ExitCodes.BadCommandLine);
        }

        if (cache is not null && sourceIdentity is null)
        {
            throw new ArgumentException("a cache needs a source identity per patient, so changed images are not served from the cache.", nameof(sourceIdentity));
        }

        Cache = cache;
        _sourceIdentity = sourceIdentity;
        MaxParallelism = Math.Max(1, maxParallelism);
    }

    /// <summary>The settings.</summary>
    public PreprocessingSettings Settings { get; }

    /// <summary>The cache, if any.</summary>
    public SampleCache? Cache { get; }

    /// <summary>Patients processed at once.</summary>
    public int MaxParallelism { get; }

    /// <summary>Builds (or reads from the cache) the samples of <paramref name="patients"/>.</summary>
    /// <param name="patients">The patients, e.g. one site's training patients.</param>
    /// <param name="training">Whether these are training samples: lesion slices are then repeated <see cref="PreprocessingSettings.LesionOversampling"/> times.</param>
    /// <param name="progress">Receives progress after each patient.</param>
    /// <param name="cancellationToken">Stops between patients.</param>
    /// <param name="slicesFile">
    /// For 2D output: write the slices to this <see cref="SliceFile"/> as the patients are processed and return a set that
    /// reads them from there, so memory holds a few patients at a time whatever their number; <see langword="null"/> (the
    /// default) keeps every slice in memory.
    /// </param>
    /// <returns>The samples and cache statistics: <see cref="PreprocessedSamples.Slices"/> for 2D output, <see cref="PreprocessedSamples.Crops"/> for 3D.</returns>
    /// <exception cref="FlipException">Patients' samples differ in shape (resample them to one grid, or crop).</exception>
    public PreprocessedSamples Build(IReadOnlyList<Patient> patients, bool training = false, IProgress<PreprocessingProgress>? progress = null, CancellationToken cancellationToken = default, string? slicesFile = null)
    {
        ArgumentNullException.ThrowIfNull(patients);
        bool crops = Settings.Output == SampleOutput.Crops3D;
        if (crops && slicesFile is not null)
        {
            throw new ArgumentException("a slices file holds 2D slices; this pipeline makes 3D crops.", nameof(slicesFile));
        }

        var perPatient = new SliceSet[crops ? 0 : patients.Count];
        var perPatientCrop = new CropSet[crops ? patients.Count : 0];
        var refused = new ConcurrentQueue<string>();
        int hits = 0, done = 0;
        using SliceFileWriter? writer = slicesFile is null ? null : new SliceFileWriter(slicesFile);
        int repeats = training ? Settings.LesionOversampling : 1;

        // Patients go in windows of a few per worker; with a slices file each window is written, in the patients'
        // order, and dropped before the next one is made.
        int window = MaxParallelism * 4;
        for (int from = 0; from < patients.Count; from += window)
        {
            int to = Math.Min(patients.Count, from + window);
            Parallel.For(from, to, new ParallelOptions { MaxDegreeOfParallelism = MaxParallelism, CancellationToken = cancellationToken }, p =>
            {
                Patient patient = patients[p];
                var sample = new SamplePatient(patient.Key, patient.IsCsPca);
                string? key = Cache is null ? null : SampleCache.Key(patient.Key, _sourceIdentity!(patient), Settings);
                bool hit;
                if (crops)
                {
                    (perPatientCrop[p], hit) = Fetch<CropSet>(key, sample, Cache is null ? null : Cache.TryReadCrop, Cache is null ? null : Cache.Write,
                        () => CropSetBuilder.Crop(Resample(patient.LoadImages()), sample, Settings.Crop3D), refused);
                }
                else
                {
                    (perPatient[p], hit) = Fetch<SliceSet>(key, sample, Cache is null ? null : Cache.TryRead, Cache is null ? null : Cache.Write,
                        () => SliceSetBuilder.Slice(Resample(patient.LoadImages()), sample, Settings.CropSize), refused);
                }

                if (hit)
                {
                    Interlocked.Increment(ref hits);
                }

                progress?.Report(new PreprocessingProgress(Interlocked.Increment(ref done), patients.Count, Volatile.Read(ref hits)));
            });

            if (writer is not null)
            {
                for (int p = from; p < to; p++)
                {
                    writer.Append(perPatient[p], repeats);
                    perPatient[p] = null!;
                }
            }
        }

        if (crops)
        {
            return new PreprocessedSamples(Join([]), hits, patients.Count - hits, [.. refused]) { Crops = JoinCrops(perPatientCrop) };
        }

        if (writer is not null)
        {
            return new PreprocessedSamples(writer.Complete(), hits, patients.Count - hits, [.. refused]);
        }

        SliceSet all = Join(perPatient);
        if (repeats > 1)
        {
            all = Oversample(all, repeats);
        }

        return new PreprocessedSamples(all, hits, patients.Count - hits, [.. refused]);
    }

    private delegate bool CacheRead<T>(string key, SamplePatient patient, out T value);

    /// <summary>One patient's samples from the cache, or built (and cached); a damaged entry is reported, deleted and rebuilt.</summary>
    private static (T Value, bool Hit) Fetch<T>(string? key, SamplePatient sample, CacheRead<T>? read, Action<string, T>? write, Func<T> build, ConcurrentQueue<string> refused)
    {
        if (key is not null)
        {
            try
            {
                if (read!(key, sample, out T cached))
                {
                    return (cached, true);
                }
            }
            catch (SampleCacheException e)
            {
                refused.Enqueue(e.ToUserText());
                File.Delete(e.Path);
            }
        }

        T built = build();
        if (key is not null)
        {
            write!(key, built);
        }

        return (built, false);
    }

    private PatientImages Resample(PatientImages images)
    {
        if (Settings.SpacingMm is not { } target || target == images.SpacingMm)
        {
            return images;
        }

        var spacing = new Vector3D(target.X, target.Y, target.Z);
        var geometry = new VolumeGeometry(images.Width, images.Height, images.Depth,
            new Vector3D(images.SpacingMm.X, images.SpacingMm.Y, images.SpacingMm.Z), new Vector3D(0, 0, 0), Direction3D.Identity);
        Volume Image(float[] voxels) => VolumeResampler.ToSpacing(new Volume(geometry, voxels), spacing, Interpolation.Linear);
        byte[] Mask(byte[] mask)
        {
            Volume v = VolumeResampler.ToSpacing(new Volume(geometry, [.. mask.Select(b => (float)b)]), spacing, Interpolation.Nearest);
            return [.. v.Voxels.Select(x => x >= 0.5f ? (byte)1 : (byte)0)];
        }

        var channels = images.Channels.Select(Image).ToList();
        VolumeGeometry g = channels[0].Geometry;
        return new PatientImages(g.SizeX, g.SizeY, g.SizeZ, target, images.ChannelNames, [.. channels.Select(c => c.Voxels)], Mask(images.Lesion), Mask(images.Gland));
    }

    private static SliceSet Join(SliceSet[] perPatient)
    {
        if (perPatient.Length == 0)
        {
            return new SliceSet(3, 0, 0, [], [], [], []);
        }

        SliceSet first = perPatient[0];
        if (perPatient.Any(x => x.Channels != first.Channels || x.Height != first.Height || x.Width != first.Width))
        {
            throw new FlipException("patients' samples differ in channels or size; set a crop size or resample them to one spacing first.", ExitCodes.BadInput);
        }

        return SliceSet.Concat(perPatient);
    }

    private static CropSet JoinCrops(CropSet[] perPatient)
    {
        if (perPatient.Length == 0)
        {
            return new CropSet(3, 0, 0, 0, [], [], [], [], []);
        }

        CropSet first = perPatient[0];
        if (perPatient.Any(x => x.Channels != first.Channels))
        {
            throw new FlipException("patients' volumes differ in their number of channels; every patient needs the same channels for 3D crops.", ExitCodes.BadInput);
        }

        return CropSet.Concat(perPatient);
    }

    /// <summary>Repeats every slice that contains lesion <paramref name="times"/> times, in place after the original.</summary>
    private static SliceSet Oversample(SliceSet set, int times)
    {
        int plane = set.Height * set.Width, image = set.Channels * plane;
        var order = new List<int>();
        for (int i = 0; i < set.Count; i++)
        {
            bool lesion = set.Masks.AsSpan(i * plane, plane).ContainsAnyExcept(0L);
            order.AddRange(Enumerable.Repeat(i, lesion ? times : 1));
        }

        var images = new float[(long)order.Count * image];
        var masks = new long[(long)order.Count * plane];
        var patientOf = new int[order.Count];
        for (int k = 0; k < order.Count; k++)
        {
            Array.Copy(set.Images, (long)order[k] * image, images, (long)k * image, image);
            Array.Copy(set.Masks, (long)order[k] * plane, masks, (long)k * plane, plane);
            patientOf[k] = set.PatientOfSlice[order[k]];
        }

        return new SliceSet(set.Channels, set.Height, set.Width, images, masks, patientOf, set.Patients);
    }
}
