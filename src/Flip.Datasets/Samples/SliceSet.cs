namespace Flip.Datasets.Samples;

/// <summary>2D training samples: normalised multi-channel slices, lesion masks, and which patient each came from.</summary>
/// <remarks>Arrays are packed for direct tensor creation: images [N, C, H, W], masks [N, H, W].</remarks>
public sealed class SliceSet
{
    /// <summary>Creates a slice set; arrays are taken, not copied.</summary>
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
        Images = images;
        Masks = masks;
        PatientOfSlice = patientOfSlice;
        Patients = patients;
    }

    /// <summary>Number of slices.</summary>
    public int Count => PatientOfSlice.Length;

    /// <summary>Channels per slice.</summary>
    public int Channels { get; }

    /// <summary>Rows per slice.</summary>
    public int Height { get; }

    /// <summary>Columns per slice.</summary>
    public int Width { get; }

    /// <summary>N·C·H·W normalised intensities.</summary>
    public float[] Images { get; }

    /// <summary>N·H·W lesion labels.</summary>
    public long[] Masks { get; }

    /// <summary>For each slice, the index of its patient in <see cref="Patients"/>.</summary>
    public int[] PatientOfSlice { get; }

    /// <summary>The patients, with their patient-level labels.</summary>
    public IReadOnlyList<SamplePatient> Patients { get; }

    /// <summary>Number of patients with csPCa.</summary>
    public int PositivePatients => Patients.Count(p => p.IsCsPca);

    /// <summary>Joins slice sets of the same shape (for centralised training).</summary>
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

        var images = new float[sets.Sum(s => (long)s.Images.Length)];
        var masks = new long[sets.Sum(s => (long)s.Masks.Length)];
        var patientOf = new int[sets.Sum(s => s.Count)];
        var patients = new List<SamplePatient>();
        long imageAt = 0, maskAt = 0;
        int sliceAt = 0;
        foreach (SliceSet set in sets)
        {
            Array.Copy(set.Images, 0, images, imageAt, set.Images.Length);
            Array.Copy(set.Masks, 0, masks, maskAt, set.Masks.Length);
            for (int i = 0; i < set.Count; i++)
            {
                patientOf[sliceAt + i] = set.PatientOfSlice[i] + patients.Count;
            }

            imageAt += set.Images.Length;
            maskAt += set.Masks.Length;
            sliceAt += set.Count;
            patients.AddRange(set.Patients);
        }

        return new SliceSet(first.Channels, first.Height, first.Width, images, masks, patientOf, patients);
    }
}
