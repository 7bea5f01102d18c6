namespace Flip.Imaging.Volumes;

/// <summary>A 3-D image: float32 voxels together with their geometry (spacing, origin, direction in LPS).</summary>
/// <remarks>
/// Voxels are stored x fastest, then y, then z (column, row, slice), as DICOM frames and NIfTI
/// store them. Keeping geometry with the voxels means it cannot be dropped on the way to a tensor
/// (MONAI's MetaTensor idea).
/// </remarks>
public sealed class Volume
{
    /// <summary>Creates a volume.</summary>
    /// <param name="geometry">The grid.</param>
    /// <param name="voxels">Exactly <see cref="VolumeGeometry.VoxelCount"/> values, x fastest.</param>
    /// <exception cref="ArgumentException">The voxel count does not match the geometry.</exception>
    public Volume(VolumeGeometry geometry, float[] voxels)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(voxels);
        geometry.Validate();
        if (voxels.LongLength != geometry.VoxelCount)
            throw new ArgumentException($"{voxels.LongLength:N0} voxels for a {geometry.SizeX}×{geometry.SizeY}×{geometry.SizeZ} grid; expected {geometry.VoxelCount:N0}.", nameof(voxels));
        Geometry = geometry;
        Voxels = voxels;
    }

    /// <summary>The grid.</summary>
    public VolumeGeometry Geometry { get; }

    /// <summary>The voxel values, x fastest, then y, then z.</summary>
    public float[] Voxels { get; }

    /// <summary>Voxels along x.</summary>
    public int SizeX => Geometry.SizeX;

    /// <summary>Voxels along y.</summary>
    public int SizeY => Geometry.SizeY;

    /// <summary>Voxels along z.</summary>
    public int SizeZ => Geometry.SizeZ;

    /// <summary>The value at a voxel index.</summary>
    /// <param name="x">Column.</param>
    /// <param name="y">Row.</param>
    /// <param name="z">Slice.</param>
    /// <returns>The value.</returns>
    public float this[int x, int y, int z]
    {
        get => Voxels[((long)z * SizeY + y) * SizeX + x];
        set => Voxels[((long)z * SizeY + y) * SizeX + x] = value;
    }
}
