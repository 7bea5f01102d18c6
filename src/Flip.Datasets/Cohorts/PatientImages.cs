namespace Flip.Datasets;

/// <summary>A patient's co-registered image channels and masks on one voxel grid.</summary>
/// <remarks>Arrays are x-fastest: index = (z · Height + y) · Width + x.</remarks>
public sealed class PatientImages
{
    /// <summary>Creates the images.</summary>
    /// <param name="width">Voxels along x.</param>
    /// <param name="height">Voxels along y.</param>
    /// <param name="depth">Slices along z.</param>
    /// <param name="spacingMm">Voxel spacing (x, y, z) in millimetres.</param>
    /// <param name="channelNames">Channel names, e.g. T2W, ADC, DWI.</param>
    /// <param name="channels">One float array per channel, each width·height·depth long.</param>
    /// <param name="lesion">1 inside clinically significant lesions, else 0.</param>
    /// <param name="gland">1 inside the prostate, else 0.</param>
    public PatientImages(int width, int height, int depth, (double X, double Y, double Z) spacingMm,
        IReadOnlyList<string> channelNames, IReadOnlyList<float[]> channels, byte[] lesion, byte[] gland)
    {
        int voxels = checked(width * height * depth);
        if (channels.Count != channelNames.Count || channels.Any(c => c.Length != voxels) || lesion.Length != voxels || gland.Length != voxels)
        {
            throw new ArgumentException($"every channel and mask must hold {voxels} voxels ({width}×{height}×{depth}).");
        }

        Width = width;
        Height = height;
        Depth = depth;
        SpacingMm = spacingMm;
        ChannelNames = channelNames;
        Channels = channels;
        Lesion = lesion;
        Gland = gland;
    }

    /// <summary>Voxels along x.</summary>
    public int Width { get; }

    /// <summary>Voxels along y.</summary>
    public int Height { get; }

    /// <summary>Slices along z.</summary>
    public int Depth { get; }

    /// <summary>Voxel spacing (x, y, z) in millimetres.</summary>
    public (double X, double Y, double Z) SpacingMm { get; }

    /// <summary>Channel names.</summary>
    public IReadOnlyList<string> ChannelNames { get; }

    /// <summary>One array per channel.</summary>
    public IReadOnlyList<float[]> Channels { get; }

    /// <summary>Clinically significant lesion mask.</summary>
    public byte[] Lesion { get; }

    /// <summary>Prostate gland mask.</summary>
    public byte[] Gland { get; }
}
