namespace Flip.Federated.Privacy;

/// <summary>The error function pieces the RDP accountant needs, in double precision.</summary>
internal static class SpecialFunctions
{
    private static readonly double LogSqrtPi = 0.5 * Math.Log(Math.PI);

    /// <summary>ln erfc(x) without underflow for large x.</summary>
    public static double LogErfc(double x)
    {
        if (x < 0)
        {
            return Math.Log(2 - Erfc(-x));
        }

        if (x < 2.5)
        {
            return Math.Log(Erfc(x));
        }

        // erfc(x) = exp(−x²)/√π · K(x), with K the continued fraction 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))).
        return (-x * x) - LogSqrtPi + Math.Log(ContinuedFraction(x));
    }

    /// <summary>erfc(x) = 1 − erf(x).</summary>
    public static double Erfc(double x)
    {
        if (x < 0)
        {
            return 2 - Erfc(-x);
        }

        if (x < 2.5)
        {
            return 1 - Erf(x);
        }

        return Math.Exp((-x * x) - LogSqrtPi) * ContinuedFraction(x);
    }

    // erf(x) = 2/√π · exp(−x²) · Σₙ 2ⁿ x^{2n+1} / (1·3·5···(2n+1)): positive terms, no cancellation (A&S 7.1.6).
    private static double Erf(double x)
    {
        double term = x, sum = x;
        for (int n = 1; n < 200; n++)
        {
            term *= 2 * x * x / ((2 * n) + 1);
            sum += term;
            if (term < sum * 1e-17)
            {
                break;
            }
        }

        return 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
    }

    // Modified Lentz evaluation of 1/(x + a₁/(x + a₂/(x + …))) with aₙ = n/2 (A&S 7.1.14).
    private static double ContinuedFraction(double x)
    {
        const double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int n = 1; n < 5000; n++)
        {
            double a = n / 2.0;
            d = x + (a * d);
            d = Math.Abs(d) < tiny ? tiny : d;
            c = x + (a / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return 1 / f;
    }
}
