namespace Flip.Federated.Tests.Toy;

/// <summary>
/// A pure-C# site trainer for simulation tests: linear regression y = w·x + b on synthetic per-site
/// data, trained by minibatch SGD (FedProx term and SCAFFOLD correction included). Parameters:
/// <c>linear.weight</c> [1,2] and <c>linear.bias</c> [1], float32.
/// </summary>
internal sealed class LinearRegressionTrainer : ISiteTrainer
{
    private readonly double[][] _trainX;
    private readonly double[] _trainY;
    private readonly double[][] _testX;
    private readonly double[] _testY;

    public LinearRegressionTrainer(int dataSeed, double[] trueWeight, double trueBias, int trainCount = 64, int testCount = 32, double noise = 0.1, double inputShift = 0)
    {
        var random = new Random(dataSeed);
        (double[][], double[]) Make(int n)
        {
            var x = new double[n][];
            var y = new double[n];
            for (int i = 0; i < n; i++)
            {
                x[i] = [(random.NextDouble() * 2) - 1 + inputShift, (random.NextDouble() * 2) - 1 - inputShift];
                y[i] = (trueWeight[0] * x[i][0]) + (trueWeight[1] * x[i][1]) + trueBias + (noise * ((random.NextDouble() * 2) - 1));
            }

            return (x, y);
        }

        (_trainX, _trainY) = Make(trainCount);
        (_testX, _testY) = Make(testCount);
    }

    /// <summary>Throws from TrainAsync in these rounds (a site that crashes).</summary>
    public IReadOnlySet<int> FailInRounds { get; init; } = new HashSet<int>();

    public int BatchSize { get; init; } = 8;

    public static ParameterSet Initial(float w0 = 0, float w1 = 0, float b = 0) => ParameterSet.Create(
        ParameterArray.Float32("linear.weight", [1, 2], [w0, w1]),
        ParameterArray.Float32("linear.bias", [1], [b]));

    public Task<SiteUpdate> TrainAsync(ParameterSet global, TrainConfig config, SiteState state, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (FailInRounds.Contains(config.Round))
        {
            throw new InvalidOperationException($"simulated crash reading /data/patient-0001 in round {config.Round}");
        }

        double[] start = Read(global);
        double[] p = [.. start];
        double[]? correction = null;
        if (config.UseControlVariates)
        {
            double[] c = Read(config.ServerControlVariate!);
            double[] ci = state.ControlVariate is { } own ? Read(own) : new double[3];
            correction = [c[0] - ci[0], c[1] - ci[1], c[2] - ci[2]];
        }

        var random = new Random(config.Seed);
        int[] order = [.. Enumerable.Range(0, _trainY.Length)];
        int steps = 0;
        for (int epoch = 0; epoch < config.LocalEpochs; epoch++)
        {
            random.Shuffle(order);
            for (int from = 0; from < order.Length; from += BatchSize)
            {
                var batch = order.AsSpan(from, Math.Min(BatchSize, order.Length - from));
                double[] gradient = new double[3];
                foreach (int i in batch)
                {
                    double error = Predict(p, _trainX[i]) - _trainY[i];
                    gradient[0] += error * _trainX[i][0] / batch.Length;
                    gradient[1] += error * _trainX[i][1] / batch.Length;
                    gradient[2] += error / batch.Length;
                }

                for (int k = 0; k < 3; k++)
                {
                    gradient[k] += config.ProximalMu * (p[k] - start[k]);
                    if (correction is not null)
                    {
                        gradient[k] += correction[k];
                    }

                    p[k] -= config.LearningRate * gradient[k];
                }

                steps++;
            }
        }

        var metrics = MetricSet.Of((MetricNames.Loss, Mse(p, _trainX, _trainY)), (MetricNames.LocalSteps, steps));
        return Task.FromResult(new SiteUpdate(Write(p), ParameterKind.Full, _trainY.Length, metrics));
    }

    public Task<SiteEvaluation> EvaluateAsync(ParameterSet global, EvaluateConfig config, SiteState state, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        double mse = Mse(Read(global), _testX, _testY);
        return Task.FromResult(new SiteEvaluation(_testY.Length, MetricSet.Of((MetricNames.Loss, mse), (MetricNames.MeanSquaredError, mse))));
    }

    public SiteSummary Describe() => new(_trainY.Length, _testY.Length, new Dictionary<string, long>());

    public static double[] Read(ParameterSet set)
    {
        var w = set["linear.weight"].AsFloat32().Span;
        return [w[0], w[1], set["linear.bias"].AsFloat32().Span[0]];
    }

    private static ParameterSet Write(double[] p) => Initial((float)p[0], (float)p[1], (float)p[2]);

    private static double Predict(double[] p, double[] x) => (p[0] * x[0]) + (p[1] * x[1]) + p[2];

    private static double Mse(double[] p, double[][] x, double[] y)
    {
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double e = Predict(p, x[i]) - y[i];
            sum += e * e;
        }

        return sum / y.Length;
    }
}
