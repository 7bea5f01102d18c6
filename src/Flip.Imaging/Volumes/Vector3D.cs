namespace Flip.Imaging.Volumes;

/// <summary>A point or direction in patient space, in millimetres for points.</summary>
/// <param name="X">First coordinate (in LPS: towards the patient's left).</param>
/// <param name="Y">Second coordinate (in LPS: towards posterior).</param>
/// <param name="Z">Third coordinate (in LPS: towards superior).</param>
public readonly record struct Vector3D(double X, double Y, double Z)
{
    /// <summary>The zero vector.</summary>
    public static Vector3D Zero => default;

    /// <summary>The Euclidean length.</summary>
    public double Length => Math.Sqrt(X * X + Y * Y + Z * Z);

    /// <summary>The vector scaled to length 1.</summary>
    /// <returns>The unit vector, or zero for the zero vector.</returns>
    public Vector3D Normalize()
    {
        double l = Length;
        return l == 0 ? Zero : new(X / l, Y / l, Z / l);
    }

    /// <summary>The dot product.</summary>
    /// <param name="other">Another vector.</param>
    /// <returns>The product.</returns>
    public double Dot(Vector3D other) => X * other.X + Y * other.Y + Z * other.Z;

    /// <summary>The cross product.</summary>
    /// <param name="other">Another vector.</param>
    /// <returns>This × other.</returns>
    public Vector3D Cross(Vector3D other) => new(Y * other.Z - Z * other.Y, Z * other.X - X * other.Z, X * other.Y - Y * other.X);

    /// <summary>Component-wise sum.</summary>
    /// <param name="a">A vector.</param>
    /// <param name="b">Another.</param>
    /// <returns>a + b.</returns>
    public static Vector3D operator +(Vector3D a, Vector3D b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);

    /// <summary>Component-wise difference.</summary>
    /// <param name="a">A vector.</param>
    /// <param name="b">Another.</param>
    /// <returns>a − b.</returns>
    public static Vector3D operator -(Vector3D a, Vector3D b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    /// <summary>Negation.</summary>
    /// <param name="a">A vector.</param>
    /// <returns>−a.</returns>
    public static Vector3D operator -(Vector3D a) => new(-a.X, -a.Y, -a.Z);

    /// <summary>Scaling.</summary>
    /// <param name="a">A vector.</param>
    /// <param name="s">A factor.</param>
    /// <returns>a × s.</returns>
    public static Vector3D operator *(Vector3D a, double s) => new(a.X * s, a.Y * s, a.Z * s);

    /// <summary>Scaling.</summary>
    /// <param name="s">A factor.</param>
    /// <param name="a">A vector.</param>
    /// <returns>s × a.</returns>
    public static Vector3D operator *(double s, Vector3D a) => a * s;
}
