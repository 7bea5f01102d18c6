using Flip.Datasets.Samples;
using Flip.Federated;
using Flip.Learning.Losses;
using Flip.Learning.Metrics;
using Flip.Learning.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Flip.Learning.Training;

/// <summary>
/// A site's trainer for lesion segmentation with patient-level csPCa scoring: the one code path a
/// simulated site and a real hospital node both run.
/// </summary>
/// <remarks>
/// Local objective: cross-entropy + (1 − soft Dice) on 2D slices (BENCHMARKS.md W1), plus
/// FedProx's proximal term μ/2·‖w − wᵗ‖² when <see cref="TrainConfig.ProximalMu"/> &gt; 0 (Li et al.,
/// 2020, arXiv:1812.06127, eq. 2), and SCAFFOLD's corrected gradient g + c − cᵢ when
/// <see cref="TrainConfig.UseControlVariates"/> is set (Karimireddy et al., 2020, arXiv:1910.06378,
/// Algorithm 1 line 10). The patient-level score is the maximum lesion probability over the
/// patient's slices. Only counts and metrics leave the trainer; slices, masks and keys do not.
/// </remarks>
public sealed class SegmentationSiteTrainer : ISiteTrainer
{
    private readonly SliceSet _train;
    private readonly SliceSet _test;
    private readonly ModelWorkspace _workspace;
    private readonly TrainerOptions _options;

    /// <summary>Creates the trainer for one site.</summary>
    /// <param name="train">The site's training slices.</param>
    /// <param name="test">The site's held-out test slices.</param>
    /// <param name="workspace">The model this site takes turns on.</param>
    /// <param name="options">Batch size, optimizer, augmentation; <see langword="null"/> for defaults.</param>
    public SegmentationSiteTrainer(SliceSet train, SliceSet test, ModelWorkspace workspace, TrainerOptions? options = null)
    {
        _train = train;
        _test = test;
        _workspace = workspace;
        _options = options ?? new TrainerOptions();
    }

    /// <inheritdoc />
    public async Task<SiteUpdate> TrainAsync(ParameterSet global, TrainConfig config, SiteState state, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(state);
        using IDisposable lease = await _workspace.AcquireAsync(ct).ConfigureAwait(false);
        return Train(global, config, state, ct);
    }

    /// <inheritdoc />
    public async Task<SiteEvaluation> EvaluateAsync(ParameterSet global, EvaluateConfig config, SiteState state, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(config);
        using IDisposable lease = await _workspace.AcquireAsync(ct).ConfigureAwait(false);
        return Evaluate(global, config, ct);
    }

    /// <summary>Scores each test patient with the given parameters: the maximum lesion probability over the patient's slices.</summary>
    /// <param name="parameters">The model to score with (global, or with the site's local layers).</param>
    /// <param name="ct">Cancels between batches.</param>
    /// <returns>One prediction per test patient, keyed by pseudonym; stays at the site.</returns>
    public async Task<IReadOnlyList<PatientPrediction>> PredictAsync(ParameterSet parameters, CancellationToken ct = default)
    {
        using IDisposable lease = await _workspace.AcquireAsync(ct).ConfigureAwait(false);
        var (scores, _, _) = Predict(parameters, new EvaluateConfig(), ct);
        return [.. _test.Patients.Select((p, i) => new PatientPrediction(p.Key, p.IsCsPca, scores[i]))];
    }

    /// <inheritdoc />
    public SiteSummary Describe() => new(_train.Count, _test.Count, new Dictionary<string, long>
    {
        ["cspca-patients"] = _train.PositivePatients + _test.PositivePatients,
        ["other-patients"] = _train.Patients.Count + _test.Patients.Count - _train.PositivePatients - _test.PositivePatients,
    });

    private SiteUpdate Train(ParameterSet global, TrainConfig config, SiteState state, CancellationToken ct)
    {
        var model = _workspace.Model;
        Device device = _workspace.Device;
        model.Load(global);
        model.train();
        torch.manual_seed(config.Seed);
        var random = new Random(config.Seed);

        var named = model.named_parameters().ToList();
        var trainable = named.Select(p => p.parameter).ToList();
        using var disposeAll = NewDisposeScope();

        // FedProx: the global weights wᵗ the proximal term pulls towards.
        List<Tensor>? anchor = config.ProximalMu > 0 ? trainable.Select(p => p.detach().clone()).ToList() : null;

        // SCAFFOLD: the per-parameter correction c − cᵢ, added to every gradient.
        List<Tensor?>? correction = null;
        if (config.UseControlVariates)
        {
            ParameterSet server = config.ServerControlVariate
                ?? throw new InvalidOperationException("SCAFFOLD needs the server control variate in the train config.");
            ParameterSet? siteControl = state.ControlVariate;
            correction = named.Select(p => server.TryGet(p.name, out ParameterArray? c)
                ? (Tensor?)(ToTensor(c, p.parameter.shape, device) - (siteControl is not null && siteControl.TryGet(p.name, out ParameterArray? ci)
                    ? ToTensor(ci, p.parameter.shape, device) : torch.zeros_like(p.parameter)))
                : null).ToList();
        }

        double learningRate = config.LearningRate * Math.Pow(_options.LearningRateDecayPerRound, Math.Max(0, config.Round - 1));
        using optim.Optimizer optimizer = CreateOptimizer(trainable, learningRate);
        int steps = 0;
        double lossSum = 0;
        int batch = Math.Max(1, config.BatchSize ?? _options.BatchSize);
        // A fixed number of steps (a Flower app's "local-steps") cycles through the data as often as needed.
        int? stepLimit = config.LocalSteps;
        for (int epoch = 0; stepLimit is int limit ? steps < limit && _train.Count > 0 : epoch < Math.Max(1, config.LocalEpochs); epoch++)
        {
            int[] order = Enumerable.Range(0, _train.Count).ToArray();
            random.Shuffle(order);
            for (int start = 0; start < order.Length && (stepLimit is not int max || steps < max); start += batch)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                int[] indices = order[start..Math.Min(order.Length, start + batch)];
                var (x, y, _) = Batch(_train, indices, device);
                if (_options.Augment)
                {
                    (x, y) = Augment(x, y, random, _options.MaxRotationDegrees);
                }

                optimizer.zero_grad();
                Tensor foreground = y.eq(1).to_type(ScalarType.Float32);
                Tensor logits = model.forward(x);
                Tensor loss = _options.Loss == SegmentationLossKind.FocalDice
                    ? SegmentationLoss.FocalPlusDice(logits, y, foreground)
                    : SegmentationLoss.CrossEntropyPlusDice(logits, y, foreground);
                if (anchor is not null)
                {
                    using Scalar two = 2.0.ToScalar(), halfMu = (config.ProximalMu / 2).ToScalar();
                    Tensor proximal = torch.zeros(1, device: device);
                    for (int i = 0; i < trainable.Count; i++)
                    {
                        proximal = proximal + (trainable[i] - anchor[i]).pow(two).sum();
                    }

                    loss = loss + proximal.mul(halfMu).squeeze();
                }

                loss.backward();
                if (correction is not null)
                {
                    using (torch.no_grad())
                    {
                        for (int i = 0; i < trainable.Count; i++)
                        {
                            if (correction[i] is { } c && trainable[i].grad is { } g)
                            {
                                g.add_(c);
                            }
                        }
                    }
                }

                if (_options.GradientClipNorm is double clip)
                {
                    nn.utils.clip_grad_norm_(trainable, clip);
                }

                optimizer.step();
                lossSum += loss.item<float>();
                steps++;
            }
        }

        ParameterSet trained = model.ToParameterSet();
        var metrics = MetricSet.Of(
            (MetricNames.Loss, steps == 0 ? double.NaN : lossSum / steps),
            (MetricNames.LocalSteps, steps));
        return new SiteUpdate(trained, ParameterKind.Full, _train.Count, metrics);
    }

    private SiteEvaluation Evaluate(ParameterSet global, EvaluateConfig config, CancellationToken ct)
    {
        // Lesion Dice over all of the site's test voxels at the threshold and the soft Dice of the probabilities,
        // accumulated batch by batch, so evaluation holds one batch of probabilities whatever the number of test slices.
        long bothLesion = 0, predictedLesion = 0, referenceLesion = 0;
        double overlap = 0, probabilitySum = 0;
        var (scores, lossSum, batches) = Predict(global, config, ct, (probabilities, masks) =>
        {
            for (int i = 0; i < probabilities.Length; i++)
            {
                bool predicted = probabilities[i] >= _options.Threshold, reference = masks[i] == 1;
                bothLesion += predicted && reference ? 1 : 0;
                predictedLesion += predicted ? 1 : 0;
                referenceLesion += reference ? 1 : 0;
                overlap += reference ? probabilities[i] : 0;
                probabilitySum += probabilities[i];
            }
        });

        bool[] labels = [.. _test.Patients.Select(p => p.IsCsPca)];
        ConfusionMatrix confusion = ClassificationMetrics.Confusion(labels, scores, _options.Threshold);
        var metrics = MetricSet.Of(
            (MetricNames.Loss, batches == 0 ? double.NaN : lossSum / batches),
            (MetricNames.Dice, SegmentationMetrics.Dice(bothLesion, predictedLesion, referenceLesion)),
            (MetricNames.SoftDice, ((2 * overlap) + 1) / (probabilitySum + referenceLesion + 1)),
            (MetricNames.Auroc, ClassificationMetrics.Auroc(labels, scores)),
            (MetricNames.AveragePrecision, ClassificationMetrics.AveragePrecision(labels, scores)),
            (MetricNames.PicaiScore, ClassificationMetrics.PicaiScore(labels, scores)),
            (MetricNames.Sensitivity, confusion.Sensitivity),
            (MetricNames.Specificity, confusion.Specificity));
        return new SiteEvaluation(_test.Patients.Count, metrics);
    }

    /// <summary>Receives one batch of predictions: the lesion probabilities and the reference masks of its slices.</summary>
    private delegate void PredictedBatch(ReadOnlySpan<float> probabilities, ReadOnlySpan<long> masks);

    /// <summary>Predicts the test slices batch by batch: each patient's score (the maximum lesion probability over its slices), the loss, and each batch to <paramref name="onBatch"/>.</summary>
    private (double[] Scores, double LossSum, int Batches) Predict(ParameterSet parameters, EvaluateConfig config, CancellationToken ct, PredictedBatch? onBatch = null)
    {
        var model = _workspace.Model;
        Device device = _workspace.Device;
        model.Load(parameters);
        // Batch statistics: normalisation as in training (no gradients); the running statistics it
        // updates are discarded, since every train and evaluate loads the model afresh.
        if (config.BatchStatistics)
        {
            model.train();
        }
        else
        {
            model.eval();
        }

        int plane = _test.Height * _test.Width;
        var scores = new double[_test.Patients.Count];
        double lossSum = 0;
        int batches = 0;
        int batch = Math.Max(1, config.BatchSize ?? _options.BatchSize);
        using (torch.no_grad())
        {
            for (int start = 0; start < _test.Count; start += batch)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                int[] indices = Enumerable.Range(start, Math.Min(batch, _test.Count - start)).ToArray();
                var (x, y, masks) = Batch(_test, indices, device);
                Tensor logits = model.forward(x);
                lossSum += SegmentationLoss.CrossEntropyPlusDice(logits, y, y.eq(1).to_type(ScalarType.Float32)).item<float>();
                batches++;
                Tensor p = functional.softmax(logits, 1).select(1, 1).contiguous().cpu();
                var probabilities = new float[indices.Length * plane];
                p.data<float>().CopyTo(probabilities);
                for (int s = 0; s < indices.Length; s++)
                {
                    int patient = _test.PatientOfSlice[start + s];
                    float max = 0;
                    foreach (float v in probabilities.AsSpan(s * plane, plane))
                    {
                        max = Math.Max(max, v);
                    }

                    scores[patient] = Math.Max(scores[patient], max);
                }

                onBatch?.Invoke(probabilities, masks);
            }
        }

        return (scores, lossSum, batches);
    }

    private optim.Optimizer CreateOptimizer(IReadOnlyList<Parameter> parameters, double learningRate) => _options.Optimizer switch
    {
        OptimizerKind.Adam => optim.Adam(parameters, lr: learningRate, weight_decay: _options.WeightDecay),
        OptimizerKind.AdamW => optim.AdamW(parameters, lr: learningRate, weight_decay: _options.WeightDecay),
        _ => optim.SGD(parameters, learningRate, momentum: _options.Momentum, weight_decay: _options.WeightDecay),
    };

    /// <summary>The slices <paramref name="indices"/> as tensors on <paramref name="device"/>, and their masks as read (in memory or from disk).</summary>
    private static (Tensor X, Tensor Y, long[] Masks) Batch(SliceSet set, int[] indices, Device device)
    {
        int imageSize = set.Channels * set.Height * set.Width;
        int plane = set.Height * set.Width;
        var images = new float[indices.Length * imageSize];
        var masks = new long[indices.Length * plane];
        for (int i = 0; i < indices.Length; i++)
        {
            set.CopySlice(indices[i], images.AsSpan(i * imageSize, imageSize), masks.AsSpan(i * plane, plane));
        }

        Tensor x = torch.tensor(images, [indices.Length, set.Channels, set.Height, set.Width]).to(device);
        Tensor y = torch.tensor(masks, [indices.Length, set.Height, set.Width]).to(device);
        return (x, y, masks);
    }

    private static (Tensor X, Tensor Y) Augment(Tensor x, Tensor y, Random random, double maxRotationDegrees)
    {
        if (random.NextDouble() < 0.5)
        {
            x = x.flip(3);
            y = y.flip(2);
        }

        if (maxRotationDegrees > 0)
        {
            // One small in-plane rotation per batch: bilinear for images, nearest for masks.
            double angle = (random.NextDouble() * 2 - 1) * maxRotationDegrees * Math.PI / 180;
            float c = (float)Math.Cos(angle), s = (float)Math.Sin(angle);
            long n = x.shape[0];
            Tensor theta = torch.tensor(new[] { c, -s, 0f, s, c, 0f }, [1, 2, 3], device: x.device).expand(n, 2, 3);
            Tensor grid = functional.affine_grid(theta, x.shape, align_corners: false);
            x = functional.grid_sample(x, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
            Tensor rotated = functional.grid_sample(y.unsqueeze(1).to_type(ScalarType.Float32), grid, GridSampleMode.Nearest, GridSamplePaddingMode.Zeros, align_corners: false);
            y = rotated.squeeze(1).round().to_type(ScalarType.Int64);
        }

        // Intensity jitter: a random gain and shift per batch, within ±10 %.
        double gain = 0.9 + (0.2 * random.NextDouble());
        double shift = (random.NextDouble() - 0.5) * 0.2;
        using Scalar gainScalar = gain.ToScalar(), shiftScalar = shift.ToScalar(), one = 1.0.ToScalar();
        return (x.mul(gainScalar).add(shiftScalar, one), y);
    }

    private static Tensor ToTensor(ParameterArray array, long[] shape, Device device)
        => torch.tensor(array.AsFloat32().ToArray(), shape, ScalarType.Float32).to(device);
}
