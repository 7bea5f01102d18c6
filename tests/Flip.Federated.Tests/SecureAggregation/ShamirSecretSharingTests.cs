using CsCheck;
using Flip.Federated.SecureAggregation;

namespace Flip.Federated.Tests.SecureAggregation;

public sealed class ShamirSecretSharingTests
{
    [Fact]
    public void Any_t_of_n_shares_recover_the_secret_and_t_minus_1_do_not()
    {
        Gen.Byte.Array[32].Select(Gen.Int[2, 9]).SelectMany((secret, n) => Gen.Int[2, n].Select(t => (secret, n, t)))
            .Select(Gen.Int[0, int.MaxValue])
            .Sample(((byte[] Secret, int N, int T) c, int seed) =>
            {
                var shares = ShamirSecretSharing.Split(c.Secret, c.N, c.T);
                var order = shares.ToArray();
                new Random(seed).Shuffle(order);

                Assert.Equal(c.Secret, ShamirSecretSharing.Combine(order.Take(c.T).ToList(), 32));
                Assert.Equal(c.Secret, ShamirSecretSharing.Combine(order, 32));
                Assert.NotEqual(c.Secret, ShamirSecretSharing.Combine(order.Take(c.T - 1).ToList(), 32));
            }, iter: 60);
    }

    [Fact]
    public void Leading_zero_bytes_survive_the_round_trip()
    {
        byte[] secret = new byte[32];
        secret[31] = 7;

        Assert.Equal(secret, ShamirSecretSharing.Combine(ShamirSecretSharing.Split(secret, 5, 3).Skip(2).ToList(), 32));
    }

    [Fact]
    public void Shares_of_two_secrets_with_the_same_polynomial_degree_look_alike()
    {
        // t − 1 shares are uniform whatever the secret: the single share at x = 1 of an all-zero and an
        // all-0xFF secret is, in both cases, a fresh random field element.
        var zero = ShamirSecretSharing.Split(new byte[32], 3, 2)[0].Y;
        var ones = ShamirSecretSharing.Split(Enumerable.Repeat((byte)0xFF, 32).ToArray(), 3, 2)[0].Y;

        Assert.True(zero.GetBitLength() > 400 && ones.GetBitLength() > 400, "a share carries ~521 random bits, not the 256-bit secret");
    }

    [Fact]
    public void Two_shares_from_the_same_holder_are_refused()
    {
        var shares = ShamirSecretSharing.Split(new byte[32], 3, 2);

        var error = Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Combine([shares[0], shares[0]], 32));
        Assert.StartsWith("Two shares have the same x", error.Message, StringComparison.Ordinal);
    }
}
