using Flip.Federated.Privacy;

namespace Flip.Federated.Tests.Privacy;

/// <summary>Published values from TF-Privacy's <c>rdp_accountant_test.py</c> (classic RDP → (ε, δ) conversion).</summary>
public sealed class RdpAccountantTests
{
    [Fact]
    public void No_sampling_is_the_plain_Gaussian_mechanism_and_no_data_costs_nothing()
    {
        // q = 1: RDP(α) = α / (2σ²) = 20 / (2·100) = 0.1; q = 0: 0.
        Assert.Equal(0.1, RdpAccountant.ComputeRdp(1, 10, 1, [20])[0], 12);
        Assert.Equal(0.0, RdpAccountant.ComputeRdp(0, 10, 1, [20])[0]);
    }

    [Fact]
    public void ComputeRdp_matches_TF_Privacy_at_an_integer_order()
        => Assert.InRange(RdpAccountant.ComputeRdp(0.1, 2, 10, [5])[0] - 0.07737, -5e-6, 5e-6);

    [Fact]
    public void ComputeRdp_matches_TF_Privacy_at_fractional_integer_and_infinite_orders()
    {
        var rdp = RdpAccountant.ComputeRdp(0.01, 2.5, 50, [1.5, 2.5, 5, 50, 100, double.PositiveInfinity]);

        double[] expected = [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307];
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - rdp[i]) <= 1e-5, $"order index {i}: expected {expected[i]}, got {rdp[i]}");
        }

        Assert.Equal(double.PositiveInfinity, rdp[5]);
    }

    [Fact]
    public void Epsilon_of_the_Abadi_et_al_example_matches_the_published_value()
    {
        // Abadi et al. 2016 (q = 0.01, σ = 4, 10,000 steps, δ = 1e-5): ε ≈ 1.26; TF-Privacy: 1.258575 at order 20.
        var accountant = new RdpAccountant([.. Enumerable.Range(2, 31).Select(a => (double)a)]);
        accountant.Compose(0.01, 4, 10_000);

        var (epsilon, order) = accountant.GetEpsilon(1e-5, EpsilonConversion.Classic);

        // assertAlmostEqual(places=5) in the published test: |difference| < 5e-6.
        Assert.InRange(epsilon - 1.258575, -5e-6, 5e-6);
        Assert.Equal(20, order);
    }

    [Fact]
    public void Composition_of_two_mechanisms_matches_the_published_value()
    {
        double[] orders = [1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 64, 256];
        var accountant = new RdpAccountant(orders);

        accountant.Compose(1e-4, 0.4, 40_000);
        accountant.Compose(0.1, 2, 100);
        var (epsilon, order) = accountant.GetEpsilon(1e-5, EpsilonConversion.Classic);

        Assert.InRange(epsilon - 8.509656, -5e-6, 5e-6);
        Assert.Equal(2.5, order);
    }

    [Fact]
    public void The_improved_conversion_is_never_looser_than_the_classic_one()
    {
        var accountant = new RdpAccountant();
        accountant.Compose(0.01, 4, 10_000);

        Assert.True(accountant.GetEpsilon(1e-5, EpsilonConversion.Improved).Epsilon <= accountant.GetEpsilon(1e-5, EpsilonConversion.Classic).Epsilon);
    }
}
