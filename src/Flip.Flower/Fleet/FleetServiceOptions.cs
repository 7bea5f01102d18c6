namespace Flip.Flower.Fleet;

/// <summary>Settings of a <see cref="FleetService"/>.</summary>
public sealed record FleetServiceOptions
{
    /// <summary>Public keys (SubjectPublicKeyInfo PEM text) allowed to register, or <see langword="null"/> to accept any signed key.</summary>
    /// <value><see langword="null"/>.</value>
    public IReadOnlySet<string>? AllowedPublicKeys { get; init; }

    /// <summary>Seed of node ids (full-range <c>ulong</c>, as Flower's).</summary>
    /// <value>0.</value>
    public int Seed { get; init; }

    /// <summary>Time-to-live given to instructions that have none.</summary>
    /// <value>43,200 s (12 h), Flower's default.</value>
    public TimeSpan DefaultTtl { get; init; } = TimeSpan.FromSeconds(43200);
}
