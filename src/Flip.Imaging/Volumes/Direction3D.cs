namespace Flip.Imaging.Volumes;

/// <summary>The directions of a volume's three index axes in patient space (LPS), as unit vectors.</summary>
/// <remarks>Column vectors of ITK's direction matrix: <see cref="I"/> is where increasing x (column index) points.</remarks>
/// <param name="I">Direction of increasing column index (DICOM's row direction cosines).</param>
/// <param name="J">Direction of increasing row index (DICOM's column direction cosines).</param>
/// <param name="K">Direction of increasing slice index.</param>
public readonly record struct Direction3D(Vector3D I, Vector3D J, Vector3D K)
{
    /// <summary>Axes aligned with L, P and S.</summary>
    public static Direction3D Identity => new(new(1, 0, 0), new(0, 1, 0), new(0, 0, 1));

    /// <summary>Maps index-space offsets (already scaled by spacing) to patient space.</summary>
    /// <param name="offset">Offsets along I, J and K in millimetres.</param>
    /// <returns>The patient-space vector.</returns>
    public Vector3D Apply(Vector3D offset) => I * offset.X + J * offset.Y + K * offset.Z;

    /// <summary>Maps a patient-space vector back to offsets along I, J, K (the inverse of <see cref="Apply"/> for orthonormal axes).</summary>
    /// <param name="vector">A patient-space vector.</param>
    /// <returns>Offsets along I, J and K.</returns>
    public Vector3D Unapply(Vector3D vector) => new(I.Dot(vector), J.Dot(vector), K.Dot(vector));
}
