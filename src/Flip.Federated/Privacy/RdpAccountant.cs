namespace Flip.Federated.Privacy;

/// <summary>
/// Rényi DP accounting of the sampled Gaussian mechanism (each record, here each site, is included
/// with probability q and the sum gets Gaussian noise of σ = z · sensitivity), converted to (ε, δ).
/// </summary>
/// <remarks>
/// Mironov, Talwar and Zhang, 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism",
/// arXiv:1908.10530, §3.3: the RDP of order α is log(A_α)/(α − 1), with A_α computed exactly for
/// integer α (binomial expansion) and by the two-sided series with erfc terms for fractional α —
/// the same computation as TF-Privacy's <c>rdp_accountant</c>. Composition over rounds adds RDP.
/// The accountant holds no data, only (q, z, steps) events; it is not thread-safe.
/// </remarks>
public sealed class RdpAccountant
{
    private readonly double[] _rdp;

    /// <summary>Creates an accountant over a set of orders.</summary>
    /// <param name="orders">The Rényi orders α &gt; 1; <see cref="DefaultOrders"/> by default.</param>
    public RdpAccountant(IReadOnlyList<double>? orders = null)
    {
        Orders = orders ?? DefaultOrders;
        if (Orders.Count == 0 || Orders.Any(a => !(a > 1)))
        {
            throw new ArgumentException("Rényi orders must be > 1 and at least one is needed.", nameof(orders));
        }

        _rdp = new double[Orders.Count];
    }

    /// <summary>TF-Privacy's default orders: 1.1, 1.2, …, 10.9, 12, 13, …, 63, 128, 256, 512.</summary>
    public static IReadOnlyList<double> DefaultOrders { get; } =
        [.. Enumerable.Range(1, 99).Select(x => 1 + (x / 10.0)), .. Enumerable.Range(12, 52).Select(x => (double)x), 128, 256, 512];

    /// <summary>The Rényi orders.</summary>
    public IReadOnlyList<double> Orders { get; }

    /// <summary>The accumulated RDP at each order.</summary>
    public IReadOnlyList<double> Rdp => _rdp;

    /// <summary>Accounts for <paramref name="steps"/> compositions of the sampled Gaussian mechanism.</summary>
    /// <param name="samplingRate">q, the probability each record (site) takes part in a step.</param>
    /// <param name="noiseMultiplier">z, the noise standard deviation over the sensitivity.</param>
    /// <param name="steps">How many steps (rounds) with these values.</param>
    /// <exception cref="ArgumentOutOfRangeException">q outside [0, 1], z ≤ 0 or steps &lt; 0.</exception>
    public void Compose(double samplingRate, double noiseMultiplier, long steps = 1)
    {
        var rdp = ComputeRdp(samplingRate, noiseMultiplier, steps, Orders);
        for (int i = 0; i < _rdp.Length; i++)
        {
            _rdp[i] += rdp[i];
        }
    }

    /// <summary>The privacy spent so far: the smallest ε over the orders at a δ.</summary>
    /// <param name="delta">δ, e.g. 1e-5 or below 1/(number of sites).</param>
    /// <param name="conversion">How RDP becomes (ε, δ).</param>
    /// <returns>ε and the order that gave it.</returns>
    public (double Epsilon, double Order) GetEpsilon(double delta, EpsilonConversion conversion = EpsilonConversion.Improved)
        => GetEpsilon(Orders, _rdp, delta, conversion);

    /// <summary>Restores accumulated RDP (for resuming a run).</summary>
    /// <param name="rdp">One value per order.</param>
    public void Restore(IReadOnlyList<double> rdp)
    {
        ArgumentNullException.ThrowIfNull(rdp);
        if (rdp.Count != _rdp.Length)
        {
            throw new ArgumentException($"Expected {_rdp.Length} RDP values, one per order; got {rdp.Count}.", nameof(rdp));
        }

        for (int i = 0; i < _rdp.Length; i++)
        {
            _rdp[i] = rdp[i];
        }
    }

    /// <summary>The RDP of <paramref name="steps"/> sampled Gaussian steps at each order (TF-Privacy's <c>compute_rdp</c>).</summary>
    /// <param name="samplingRate">q in [0, 1].</param>
    /// <param name="noiseMultiplier">z &gt; 0.</param>
    /// <param name="steps">The number of steps.</param>
    /// <param name="orders">The orders α &gt; 1 (may include +∞).</param>
    /// <returns>One RDP value per order.</returns>
    public static double[] ComputeRdp(double samplingRate, double noiseMultiplier, long steps, IReadOnlyList<double> orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentOutOfRangeException.ThrowIfLessThan(samplingRate, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(samplingRate, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(noiseMultiplier);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        return [.. orders.Select(alpha => steps * RdpOfOneStep(samplingRate, noiseMultiplier, alpha))];
    }

    /// <summary>Converts RDP at several orders to the smallest ε at δ.</summary>
    /// <param name="orders">The orders.</param>
    /// <param name="rdp">The RDP at each order.</param>
    /// <param name="delta">δ in (0, 1).</param>
    /// <param name="conversion">How RDP becomes (ε, δ).</param>
    /// <returns>ε (≥ 0) and the order that gave it.</returns>
    public static (double Epsilon, double Order) GetEpsilon(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, double delta, EpsilonConversion conversion = EpsilonConversion.Improved)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(rdp);
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be in (0, 1).");
        }

        double best = double.PositiveInfinity, bestOrder = double.NaN;
        for (int i = 0; i < orders.Count; i++)
        {
            double a = orders[i], r = rdp[i];
            double epsilon;
            if (conversion == EpsilonConversion.Classic)
            {
                epsilon = r - (Math.Log(delta) / (a - 1));
            }
            else if ((delta * delta) + Math.Exp(-r) - 1 >= 0)
            {
                epsilon = 0;
            }
            else if (a > 1.01)
            {
                epsilon = r + Math.Log(1 - (1 / a)) - (Math.Log(delta * a) / (a - 1));
            }
            else
            {
                epsilon = double.PositiveInfinity;
            }

            if (epsilon < best)
            {
                best = epsilon;
                bestOrder = a;
            }
        }

        return (Math.Max(0, best), bestOrder);
    }

    private static double RdpOfOneStep(double q, double sigma, double alpha)
    {
        if (q == 0)
        {
            return 0;
        }

        if (q == 1)
        {
            return alpha / (2 * sigma * sigma);
        }

        if (double.IsPositiveInfinity(alpha))
        {
            return double.PositiveInfinity;
        }

        double logA = alpha == Math.Floor(alpha) ? LogAInteger(q, sigma, (int)alpha) : LogAFractional(q, sigma, alpha);
        return logA / (alpha - 1);
    }

    // A_α = Σ_{i=0}^{α} C(α, i) (1 − q)^{α−i} q^i exp((i² − i)/(2σ²)), in log space.
    private static double LogAInteger(double q, double sigma, int alpha)
    {
        double logA = double.NegativeInfinity;
        double logBinomial = 0;
        for (int i = 0; i <= alpha; i++)
        {
            if (i > 0)
            {
                logBinomial += Math.Log(alpha - i + 1) - Math.Log(i);
            }

            double term = logBinomial + (i * Math.Log(q)) + ((alpha - i) * Math.Log(1 - q)) + (((double)i * i) - i) / (2 * sigma * sigma);
            logA = LogAdd(logA, term);
        }

        return logA;
    }

    // Mironov et al. 2019, §3.3: A_α = A₀ + A₁, two series with erfc factors around z₀ = σ² ln(1/q − 1) + 1/2.
    private static double LogAFractional(double q, double sigma, double alpha)
    {
        double logA0 = double.NegativeInfinity, logA1 = double.NegativeInfinity;
        double z0 = (sigma * sigma * Math.Log((1 / q) - 1)) + 0.5;
        double logAbsBinomial = 0;
        int sign = 1;
        for (int i = 0; ; i++)
        {
            if (i > 0)
            {
                double factor = (alpha - i + 1) / i;
                logAbsBinomial += Math.Log(Math.Abs(factor));
                sign *= Math.Sign(factor);
            }

            double j = alpha - i;
            double logT0 = logAbsBinomial + (i * Math.Log(q)) + (j * Math.Log(1 - q));
            double logT1 = logAbsBinomial + (j * Math.Log(q)) + (i * Math.Log(1 - q));
            double logE0 = Math.Log(0.5) + SpecialFunctions.LogErfc((i - z0) / (Math.Sqrt(2) * sigma));
            double logE1 = Math.Log(0.5) + SpecialFunctions.LogErfc((z0 - j) / (Math.Sqrt(2) * sigma));
            double logS0 = logT0 + ((((double)i * i) - i) / (2 * sigma * sigma)) + logE0;
            double logS1 = logT1 + (((j * j) - j) / (2 * sigma * sigma)) + logE1;
            if (sign > 0)
            {
                logA0 = LogAdd(logA0, logS0);
                logA1 = LogAdd(logA1, logS1);
            }
            else
            {
                logA0 = LogSubtract(logA0, logS0);
                logA1 = LogSubtract(logA1, logS1);
            }

            if (Math.Max(logS0, logS1) < -30)
            {
                break;
            }
        }

        return LogAdd(logA0, logA1);
    }

    private static double LogAdd(double x, double y)
    {
        double a = Math.Min(x, y), b = Math.Max(x, y);
        return double.IsNegativeInfinity(a) ? b : Math.Log(1 + Math.Exp(a - b)) + b;
    }

    private static double LogSubtract(double x, double y)
    {
        if (x < y)
        {
            throw new InvalidOperationException("The RDP series became negative; the orders or noise are outside the accountant's numerical range.");
        }

        if (double.IsNegativeInfinity(y))
        {
            return x;
        }

        if (x == y)
        {
            return double.NegativeInfinity;
        }

        double difference = x - y;
        return difference > 700 ? x : Math.Log(Math.Exp(difference) - 1) + y;
    }
}
