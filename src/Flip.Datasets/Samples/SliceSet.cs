namespace Flip.Datasets.Samples;

/// <summary>2D training samples: normalised multi-channel slices, lesion masks, and which patient each came from.</summary>
/// <remarks>
/// A set holds its slices in memory (packed for direct tensor creation: images [N, C, H, W], masks [N, H, W]) or reads
/// them from one or more <see cref="SliceFile"/>s on disk, so a cohort of any size trains in bounded memory. Either way
/// <see cref="CopySlice"/> gives slice <c>i</c>'s values; <see cref="Images"/> and <see cref="Masks"/> exist only in memory.
/// </remarks>
public sealed class SliceSet
{
    private readonly float[]? _images;
    private readonly long[]? _masks;
    private readonly SliceFile[] _files;
    private readonly int[] _fileStarts;

    /// <summary>Creates a slice set in memory; arrays are taken, not copied.</summary>
    /// <param name="channels">Channels per slice.</param>
    /// <param name="height">Rows per slice.</param>
    /// <param name="width">Columns per slice.</param>
    /// <param name="images">N·C·H·W normalised intensities.</param>
    /// <param name="masks">N·H·W lesion labels (0 or 1).</param>
    /// <param name="patientOfSlice">Index into <paramref name="patients"/> for each slice.</param>
    /// <param name="patients">The patients the slices came from.</param>
    public SliceSet(int channels, int height, int width, float[] images, long[] masks, int[] patientOfSlice, IReadOnlyList<SamplePatient> patients)
    {
        int count = patientOfSlice.Length;
        if (images.Length != (long)count * channels * height * width || masks.Length != (long)count * height * width)
        {
            throw new ArgumentException($"images must hold {count}×{channels}×{height}×{width} values and masks {count}×{height}×{width}.");
        }

        Channels = channels;
        Height = height;
        Width = width;
        _images = images;
        _masks = masks;
        _files = [];
        _fileStarts = [];
        PatientOfSlice = patientOfSlice;
        Patients = patients;
    }

    private SliceSet(SliceFile[] files, int[] patientOfSlice, IReadOnlyList<SamplePatient> patients)
    {
        Channels = files[0].Channels;
        Height = files[0].Height;
        Width = files[0].Width;
        _files = files;
        _fileStarts = new int[files.Length];
        for (int i = 1; i < files.Length; i++)
        {
            _fileStarts[i] = _fileStarts[i - 1] + files[i - 1].Count;
        }

        PatientOfSlice = patientOfSlice;
        Patients = patients;
    }

    /// <summary>A set whose slices are read from <paramref name="file"/> when they are needed.</summary>
    /// <param name="file">The slices, in order.</param>
    /// <param name="patientOfSlice">Index into <paramref name="patients"/> for each of the file's slices.</param>
    /// <param name="patients">The patients the slices came from.</param>
    /// <returns>The set; it reads the file until the file is disposed.</returns>
    /// <exception cref="ArgumentException">The file holds another number of slices than <paramref name="patientOfSlice"/> names.</exception>
    public static SliceSet OnDisk(SliceFile file, int[] patientOfSlice, IReadOnlyList<SamplePatient> patients)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Count != patientOfSlice.Length)
        {
            throw new ArgumentException($"{file.Path} holds {file.Count} slices; {patientOfSlice.Length} patient indices were given.", nameof(patientOfSlice));
        }

        return new SliceSet([file], patientOfSlice, patients);
    }

    /// <summary>Number of slices.</summary>
    public int Count => PatientOfSlice.Length;

    /// <summary>Channels per slice.</summary>
    public int Channels { get; }

    /// <summary>Rows per slice.</summary>
    public int Height { get; }

    /// <summary>Columns per slice.</summary>
    public int Width { get; }

    /// <summary>Whether the slices are in memory (<see cref="Images"/> and <see cref="Masks"/> exist) rather than read from disk.</summary>
    public bool InMemory => _images is not null;

    /// <summary>The files the slices are read from, in order (none for a set in memory).</summary>
    public IReadOnlyList<SliceFile> Files => _files;

    /// <summary>N·C·H·W normalised intensities, of a set held in memory.</summary>
    /// <exception cref="InvalidOperationException">The slices are on disk; read them with <see cref="CopySlice"/>.</exception>
    public float[] Images => _images ?? throw OnDiskProblem();

    /// <summary>N·H·W lesion labels, of a set held in memory.</summary>
    /// <exception cref="InvalidOperationException">The slices are on disk; read them with <see cref="CopySlice"/>.</exception>
    public long[] Masks => _masks ?? throw OnDiskProblem();

    /// <summary>For each slice, the index of its patient in <see cref="Patients"/>.</summary>
    public int[] PatientOfSlice { get; }

    /// <summary>The patients, with their patient-level labels.</summary>
    public IReadOnlyList<SamplePatient> Patients { get; }

    /// <summary>Number of patients with csPCa.</summary>
    public int PositivePatients => Patients.Count(p => p.IsCsPca);

    /// <summary>Copies slice <paramref name="index"/>: its C·H·W intensities and H·W lesion labels.</summary>
    /// <param name="index">The slice, 0 ≤ index &lt; <see cref="Count"/>.</param>
    /// <param name="image">Receives C·H·W values.</param>
    /// <param name="mask">Receives H·W labels.</param>
    public void CopySlice(int index, Span<float> image, Span<long> mask)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        int imageSize = Channels * Height * Width, plane = Height * Width;
        if (_images is not null)
        {
            _images.AsSpan((int)((long)index * imageSize), imageSize).CopyTo(image);
            _masks.AsSpan((int)((long)index * plane), plane).CopyTo(mask);
            return;
        }

        int file = Array.BinarySearch(_fileStarts, index);
        file = file >= 0 ? file : ~file - 1;
        while (file + 1 < _files.Length && _fileStarts[file + 1] == index)
        {
            file++; // skip empty files that start at the same slice
        }

        _files[file].Read(index - _fileStarts[file], image[..imageSize], mask[..plane]);
    }

    /// <summary>Joins slice sets of the same shape (for centralised training): in memory when every set is, else a set reading each one's files in turn.</summary>
    /// <param name="sets">Sets with equal channels, height and width.</param>
    /// <returns>One set holding every slice and patient.</returns>
    public static SliceSet Concat(IReadOnlyList<SliceSet> sets)
    {
        if (sets.Count == 0)
        {
            throw new ArgumentException("at least one slice set is needed.", nameof(sets));
        }

        SliceSet first = sets[0];
        if (sets.Any(s => s.Channels != first.Channels || s.Height != first.Height || s.Width != first.Width))
        {
            throw new ArgumentException("slice sets must share channels, height and width.", nameof(sets));
        }

        var patientOf = new int[sets.Sum(s => s.Count)];
        var patients = new List<SamplePatient>();
        int sliceAt = 0;
        foreach (SliceSet set in sets)
        {
            for (int i = 0; i < set.Count; i++)
            {
                patientOf[sliceAt + i] = set.PatientOfSlice[i] + patients.Count;
            }

            sliceAt += set.Count;
            patients.AddRange(set.Patients);
        }

        if (sets.Any(s => !s.InMemory))
        {
            if (sets.Any(s => s.InMemory && s.Count > 0))
            {
                throw new ArgumentException("slice sets to join must all be in memory or all on disk.", nameof(sets));
            }

            return new SliceSet([.. sets.SelectMany(s => s._files)], patientOf, patients);
        }

        var images = new float[sets.Sum(s => (long)s.Images.Length)];
        var masks = new long[sets.Sum(s => (long)s.Masks.Length)];
        long imageAt = 0, maskAt = 0;
        foreach (SliceSet set in sets)
        {
            Array.Copy(set.Images, 0, images, imageAt, set.Images.Length);
            Array.Copy(set.Masks, 0, masks, maskAt, set.Masks.Length);
            imageAt += set.Images.Length;
            maskAt += set.Masks.Length;
        }

        return new SliceSet(first.Channels, first.Height, first.Width, images, masks, patientOf, patients);
    }

    private InvalidOperationException OnDiskProblem()
        => new($"these {Count} slices are read from {string.Join(", ", _files.Select(f => f.Path))}; read them one at a time with CopySlice.");
}
