namespace Flip.Datasets.Samples;

/// <summary>3D training samples: one normalised multi-channel crop per patient, its lesion and gland masks, and the patient's label.</summary>
/// <remarks>Arrays are packed for direct tensor creation: images [N, C, D, H, W], masks [N, D, H, W].</remarks>
public sealed class CropSet
{
    /// <summary>Creates a crop set; arrays are taken, not copied.</summary>
    /// <param name="channels">Channels per crop.</param>
    /// <param name="depth">Slices per crop (z).</param>
    /// <param name="height">Rows per crop (y).</param>
    /// <param name="width">Columns per crop (x).</param>
    /// <param name="images">N·C·D·H·W normalised intensities (0 where the crop leaves the volume).</param>
    /// <param name="lesion">N·D·H·W lesion labels (0 or 1).</param>
    /// <param name="gland">N·D·H·W gland labels (0 or 1).</param>
    /// <param name="origins">For each crop, the voxel (x, y, z) of the (resampled) volume at its first voxel; may be negative.</param>
    /// <param name="patients">The patient of each crop, with the patient-level label.</param>
    public CropSet(int channels, int depth, int height, int width, float[] images, byte[] lesion, byte[] gland,
        IReadOnlyList<(int X, int Y, int Z)> origins, IReadOnlyList<SamplePatient> patients)
    {
        int count = patients.Count;
        long voxels = (long)depth * height * width;
        if (images.Length != count * channels * voxels || lesion.Length != count * voxels || gland.Length != count * voxels || origins.Count != count)
        {
            throw new ArgumentException($"images must hold {count}×{channels}×{depth}×{height}×{width} values, each mask {count}×{depth}×{height}×{width} and origins {count}.");
        }

        Channels = channels;
        Depth = depth;
        Height = height;
        Width = width;
        Images = images;
        Lesion = lesion;
        Gland = gland;
        Origins = origins;
        Patients = patients;
    }

    /// <summary>Number of crops (one per patient).</summary>
    public int Count => Patients.Count;

    /// <summary>Channels per crop.</summary>
    public int Channels { get; }

    /// <summary>Slices per crop (z).</summary>
    public int Depth { get; }

    /// <summary>Rows per crop (y).</summary>
    public int Height { get; }

    /// <summary>Columns per crop (x).</summary>
    public int Width { get; }

    /// <summary>N·C·D·H·W normalised intensities.</summary>
    public float[] Images { get; }

    /// <summary>N·D·H·W lesion labels.</summary>
    public byte[] Lesion { get; }

    /// <summary>N·D·H·W gland labels.</summary>
    public byte[] Gland { get; }

    /// <summary>For each crop, the voxel (x, y, z) of the resampled volume at the crop's first voxel.</summary>
    public IReadOnlyList<(int X, int Y, int Z)> Origins { get; }

    /// <summary>The patient of each crop.</summary>
    public IReadOnlyList<SamplePatient> Patients { get; }

    /// <summary>The patient-level labels (1 = csPCa), one per crop, for a classification target.</summary>
    /// <returns>N labels.</returns>
    public long[] Labels() => [.. Patients.Select(p => p.IsCsPca ? 1L : 0L)];

    /// <summary>Joins crop sets of the same shape.</summary>
    /// <param name="sets">Sets with equal channels, depth, height and width.</param>
    /// <returns>One set holding every crop.</returns>
    public static CropSet Concat(IReadOnlyList<CropSet> sets)
    {
        if (sets.Count == 0)
        {
            throw new ArgumentException("at least one crop set is needed.", nameof(sets));
        }

        CropSet first = sets[0];
        if (sets.Any(s => s.Channels != first.Channels || s.Depth != first.Depth || s.Height != first.Height || s.Width != first.Width))
        {
            throw new ArgumentException("crop sets must share channels, depth, height and width.", nameof(sets));
        }

        return new CropSet(first.Channels, first.Depth, first.Height, first.Width,
            [.. sets.SelectMany(s => s.Images)], [.. sets.SelectMany(s => s.Lesion)], [.. sets.SelectMany(s => s.Gland)],
            [.. sets.SelectMany(s => s.Origins)], [.. sets.SelectMany(s => s.Patients)]);
    }
}
