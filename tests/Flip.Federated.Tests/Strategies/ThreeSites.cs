using Flip.Federated.Strategies;

namespace Flip.Federated.Tests.Strategies;

/// <summary>
/// The shared strategy fixture (STYLE.md §8): three sites with four-element arrays and example
/// counts 5, 2 and 9 (total 16), and a global model of ones.
///   site-a (5): [1, 2, 3, 4]
///   site-b (2): [9, 10, 11, 12]
///   site-c (9): [0, -1, 5, 8]
/// FedAvg by hand: (5·a + 2·b + 9·c) / 16
///   = [5 + 18 + 0, 10 + 20 − 9, 15 + 22 + 45, 20 + 24 + 72] / 16 = [23, 21, 82, 116] / 16
///   = [1.4375, 1.3125, 5.125, 7.25]   (all exact in binary floating point)
/// </summary>
internal static class ThreeSites
{
    public static readonly SiteId A = new("site-a");
    public static readonly SiteId B = new("site-b");
    public static readonly SiteId C = new("site-c");

    public static readonly float[] FedAvgByHand = [1.4375f, 1.3125f, 5.125f, 7.25f];

    public static ParameterSet Global => Vector(1, 1, 1, 1);

    public static ParameterSet Vector(params float[] values) => ParameterSet.Create(ParameterArray.Float32("w", values));

    public static RoundContext Round(int round = 1, int totalSites = 3, int seed = 0)
        => new(round, 10, [.. new[] { A, B, C }.Take(totalSites)], new Random(seed));

    public static TrainReply Reply(SiteId site, long examples, params float[] values)
        => new(site, new SiteUpdate(Vector(values), ParameterKind.Full, examples, MetricSet.Empty));

    public static TrainReplies Replies() => new(
        [
            Reply(A, 5, 1, 2, 3, 4),
            Reply(B, 2, 9, 10, 11, 12),
            Reply(C, 9, 0, -1, 5, 8),
        ],
        []);

    public static float[] Values(ParameterSet set, string name = "w") => set[name].AsFloat32().ToArray();

    public static void Near(double[] expected, float[] actual, double tolerance = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
