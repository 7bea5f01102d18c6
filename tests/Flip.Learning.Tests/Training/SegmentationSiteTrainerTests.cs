using Flip.Datasets;
using Flip.Datasets.Samples;
using Flip.Datasets.Synthetic;
using Flip.Federated;
using Flip.Learning.Models;
using Flip.Learning.Training;
using TorchSharp;

namespace Flip.Learning.Tests.Training;

[Collection("Torch")]
public sealed class SegmentationSiteTrainerTests : IDisposable
{
    private static readonly Cohort Cohort = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.02 });
    private static readonly SliceSet Train = SliceSetBuilder.Build(Cohort.Site("site-1").Patients.Take(6).ToList());
    private static readonly SliceSet Test = SliceSetBuilder.Build(Cohort.Site("site-1").Patients.Skip(6).ToList());
    private readonly ModelWorkspace _workspace;

    public SegmentationSiteTrainerTests()
    {
        torch.manual_seed(3);
        _workspace = new ModelWorkspace(() => new UNet2D(3, 2, 4), torch.CPU);
    }

    public void Dispose() => _workspace.Dispose();

    private ParameterSet Initial() => _workspace.Model.ToParameterSet();

    [Fact]
    public async Task Model_state_round_trips_through_a_ParameterSet_bit_exactly_counters_included()
    {
        // Given: a model that has trained a step, so running stats and num_batches_tracked moved
        var trainer = new SegmentationSiteTrainer(Train, Test, _workspace, new TrainerOptions { Augment = false });
        SiteUpdate update = (await trainer.TrainAsync(Initial(), new TrainConfig { LearningRate = 1e-3, Seed = 1 }, new SiteState(), default));
        ParameterSet trained = update.Parameters;

        // When: loaded into a differently initialised model and read back
        torch.manual_seed(99);
        using var other = new UNet2D(3, 2, 4);
        other.Load(trained);
        ParameterSet back = other.ToParameterSet();

        // Then
        Assert.True(trained.ContentEquals(back));
        Assert.True(trained["enc1.bn1.num_batches_tracked"].AsInt64().Span[0] > 0);
        Assert.Equal(ParameterDataType.Int64, back["enc1.bn1.num_batches_tracked"].DataType);
    }

    [Fact]
    public void Loading_a_set_of_another_model_names_the_first_differing_key()
    {
        torch.manual_seed(1);
        using var wider = new UNet2D(3, 2, 8);

        var error = Assert.ThrowsAny<FlipException>(() => _workspace.Model.Load(wider.ToParameterSet()));

        Assert.Contains("enc1.conv1.weight", error.Message);
    }

    [Fact]
    public async Task Training_reports_its_steps_and_lowers_the_loss_over_rounds()
    {
        var trainer = new SegmentationSiteTrainer(Train, Test, _workspace, new TrainerOptions { BatchSize = 8 });
        var state = new SiteState();
        ParameterSet global = Initial();
        var losses = new List<double>();
        for (int round = 1; round <= 4; round++)
        {
            SiteUpdate update = (await trainer.TrainAsync(global, new TrainConfig { Round = round, LearningRate = 5e-3, Seed = round }, state, default));
            losses.Add(update.Metrics[MetricNames.Loss]);
            Assert.Equal(Math.Ceiling(Train.Count / 8.0), update.Metrics[MetricNames.LocalSteps]);
            Assert.Equal(Train.Count, update.ExampleCount);
            global = update.Parameters;
        }

        Assert.True(losses[^1] < losses[0], $"loss went {string.Join(" → ", losses)}");
    }

    [Fact]
    public async Task FedProx_keeps_the_update_closer_to_the_global_model()
    {
        var options = new TrainerOptions { Augment = false, GradientClipNorm = null };
        var trainer = new SegmentationSiteTrainer(Train, Test, _workspace, options);
        ParameterSet global = Initial();

        async Task<double> Distance(double mu)
        {
            var config = new TrainConfig { LearningRate = 1e-2, Seed = 5, LocalEpochs = 3, ProximalMu = mu };
            ParameterSet trained = (await trainer.TrainAsync(global, config, new SiteState(), default)).Parameters;
            return ParameterMath.L2Norm(ParameterMath.Subtract(trained.Where(a => a.DataType == ParameterDataType.Float32 && !a.Name.Contains("running", StringComparison.Ordinal)),
                global.Where(a => a.DataType == ParameterDataType.Float32 && !a.Name.Contains("running", StringComparison.Ordinal)), "test"));
        }

        Assert.True(await Distance(mu: 10) < await Distance(mu: 0));
    }

    [Fact]
    public async Task Scaffold_adds_c_minus_ci_to_every_gradient()
    {
        // One full-batch plain-SGD step: w₁ = w₀ − η(g + c − cᵢ). With c = 1 and cᵢ = 0 the
        // corrected step differs from the plain one by exactly −η for every trainable value.
        var options = new TrainerOptions { Augment = false, GradientClipNorm = null, Optimizer = OptimizerKind.Sgd, Momentum = 0, BatchSize = Train.Count };
        var trainer = new SegmentationSiteTrainer(Train, Test, _workspace, options);
        ParameterSet global = Initial();
        ParameterSet ones = ParameterSet.Create(global.Select(a => a.DataType == ParameterDataType.Float32
            ? ParameterArray.Float32(a.Name, [.. a.Shape], Enumerable.Repeat(1f, a.Length).ToArray())
            : a));
        const double eta = 0.1;

        ParameterSet plain = (await trainer.TrainAsync(global, new TrainConfig { LearningRate = eta, Seed = 2 }, new SiteState(), default)).Parameters;
        ParameterSet corrected = (await trainer.TrainAsync(global, new TrainConfig { LearningRate = eta, Seed = 2, UseControlVariates = true, ServerControlVariate = ones },
            new SiteState(), default)).Parameters;

        float[] a = plain["dec1.conv2.weight"].AsFloat32().ToArray();
        float[] b = corrected["dec1.conv2.weight"].AsFloat32().ToArray();
        Assert.All(Enumerable.Range(0, a.Length), i => Assert.Equal(-eta, b[i] - a[i], 4));
    }

    [Fact]
    public async Task Evaluation_reports_segmentation_and_patient_level_metrics_over_test_patients()
    {
        var trainer = new SegmentationSiteTrainer(Train, Test, _workspace);

        SiteEvaluation evaluation = (await trainer.EvaluateAsync(Initial(), new EvaluateConfig(), new SiteState(), default));

        Assert.Equal(Test.Patients.Count, evaluation.ExampleCount);
        foreach (string metric in new[] { MetricNames.Dice, MetricNames.Sensitivity, MetricNames.Specificity })
        {
            Assert.InRange(evaluation.Metrics[metric], 0, 1);
        }

        Assert.True(evaluation.Metrics.ContainsKey(MetricNames.Auroc));
        Assert.True(evaluation.Metrics.ContainsKey(MetricNames.PicaiScore));
        Assert.True(double.IsFinite(evaluation.Metrics[MetricNames.Loss]));
    }

    [Fact]
    public async Task A_round_of_local_steps_takes_exactly_that_many_steps_of_the_given_batch_size_cycling_through_the_data()
    {
        var trainer = new SegmentationSiteTrainer(Train, Test, _workspace, new TrainerOptions { Augment = false });
        int steps = (Train.Count / 2) + 3;   // more steps of 2 slices than one pass over the data holds

        SiteUpdate update = await trainer.TrainAsync(Initial(), new TrainConfig { LearningRate = 1e-3, LocalSteps = steps, BatchSize = 2, Seed = 1 }, new SiteState(), default);

        Assert.Equal(steps, update.Metrics[MetricNames.LocalSteps]);
        Assert.Equal(steps, update.Parameters["enc1.bn1.num_batches_tracked"].AsInt64().Span[0]);
    }

    [Fact]
    public async Task Evaluation_on_batch_statistics_differs_from_running_statistics_and_reports_soft_dice()
    {
        var trainer = new SegmentationSiteTrainer(Train, Test, _workspace, new TrainerOptions { Augment = false });

        SiteEvaluation running = await trainer.EvaluateAsync(Initial(), new EvaluateConfig(), new SiteState(), default);
        SiteEvaluation batch = await trainer.EvaluateAsync(Initial(), new EvaluateConfig { BatchStatistics = true, BatchSize = 4 }, new SiteState(), default);

        Assert.NotEqual(running.Metrics[MetricNames.Loss], batch.Metrics[MetricNames.Loss]);
        Assert.InRange(batch.Metrics[MetricNames.SoftDice], 0, 1);
        Assert.InRange(running.Metrics[MetricNames.SoftDice], 0, 1);
    }
}
