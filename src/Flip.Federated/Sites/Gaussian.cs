namespace Flip.Federated;

/// <summary>Standard normal draws from a seeded <see cref="Random"/> (Box–Muller, both outputs used).</summary>
internal sealed class Gaussian(Random random)
{
    private double _spare;
    private bool _hasSpare;

    /// <summary>One draw from N(0, 1).</summary>
    public double Next()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }

        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = radius * Math.Sin(2.0 * Math.PI * u2);
        _hasSpare = true;
        return radius * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Adds N(0, σ²) to every floating-point element.</summary>
    public ParameterSet AddNoise(ParameterSet set, double standardDeviation)
        => standardDeviation == 0 ? set : ParameterMath.Map(set, x => x + (standardDeviation * Next()));
}
