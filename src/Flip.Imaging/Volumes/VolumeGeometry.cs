namespace Flip.Imaging.Volumes;

/// <summary>A voxel grid in patient space: size, spacing, origin and direction (LPS, millimetres).</summary>
/// <remarks>The origin is the centre of voxel (0,0,0), as in DICOM's Image Position (Patient) and ITK.</remarks>
/// <param name="SizeX">Voxels along I (columns).</param>
/// <param name="SizeY">Voxels along J (rows).</param>
/// <param name="SizeZ">Voxels along K (slices).</param>
/// <param name="SpacingMm">Distance between voxel centres along I, J and K.</param>
/// <param name="Origin">Centre of the first voxel, LPS millimetres.</param>
/// <param name="Direction">Directions of I, J and K.</param>
public sealed record VolumeGeometry(int SizeX, int SizeY, int SizeZ, Vector3D SpacingMm, Vector3D Origin, Direction3D Direction)
{
    /// <summary>Number of voxels.</summary>
    public long VoxelCount => (long)SizeX * SizeY * SizeZ;

    /// <summary>The patient-space position of a (possibly fractional) voxel index.</summary>
    /// <param name="i">Column index.</param>
    /// <param name="j">Row index.</param>
    /// <param name="k">Slice index.</param>
    /// <returns>LPS millimetres.</returns>
    public Vector3D IndexToPhysical(double i, double j, double k) =>
        Origin + Direction.Apply(new Vector3D(i * SpacingMm.X, j * SpacingMm.Y, k * SpacingMm.Z));

    /// <summary>The fractional voxel index of a patient-space position.</summary>
    /// <param name="point">LPS millimetres.</param>
    /// <returns>(i, j, k).</returns>
    public Vector3D PhysicalToIndex(Vector3D point)
    {
        var d = Direction.Unapply(point - Origin);
        return new(d.X / SpacingMm.X, d.Y / SpacingMm.Y, d.Z / SpacingMm.Z);
    }

    /// <summary>Checks sizes and spacings.</summary>
    /// <exception cref="ArgumentException">A size or spacing is not positive.</exception>
    public void Validate()
    {
        if (SizeX <= 0 || SizeY <= 0 || SizeZ <= 0) throw new ArgumentException($"volume size {SizeX}×{SizeY}×{SizeZ}; expected every size above zero.");
        if (!(SpacingMm.X > 0 && SpacingMm.Y > 0 && SpacingMm.Z > 0) || !(double.IsFinite(SpacingMm.X) && double.IsFinite(SpacingMm.Y) && double.IsFinite(SpacingMm.Z)))
            throw new ArgumentException($"voxel spacing {SpacingMm.X}×{SpacingMm.Y}×{SpacingMm.Z} mm; expected every spacing above zero.");
    }
}
