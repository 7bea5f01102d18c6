using Flip.Datasets.Samples;
using Flip.Datasets.Synthetic;
using Flip.Federated;
using Flip.Learning.Models;
using Flip.Learning.Training;
using TorchSharp;

namespace Flip.Learning.Tests.Training;

[Collection("Torch")]
public sealed class MemoryTests
{
    private static long ResidentBytes()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    [Fact]
    public async Task Resident_memory_does_not_grow_over_100_training_steps()
    {
        if (!File.Exists("/proc/self/status"))
        {
            return; // RSS is read from Linux's /proc
        }

        // Given: a site whose round is 10 steps of 8 slices
        var cohort = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.02 });
        SliceSet slices = SliceSetBuilder.Build(cohort.Site("site-1").Patients.Take(12).ToList());
        torch.manual_seed(0);
        using var workspace = new ModelWorkspace(() => new UNet2D(3, 2, 8), torch.CPU);
        var trainer = new SegmentationSiteTrainer(slices, slices, workspace, new TrainerOptions { BatchSize = Math.Max(1, slices.Count / 10) });
        ParameterSet global = workspace.Model.ToParameterSet();
        var state = new SiteState();

        async Task<int> Round(int round)
        {
            SiteUpdate update = await trainer.TrainAsync(global, new TrainConfig { Round = round, LearningRate = 1e-3, Seed = round }, state, default);
            global = update.Parameters;
            return (int)update.Metrics[MetricNames.LocalSteps];
        }

        // When: two warm-up rounds, then rounds until 100 more steps
        await Round(1);
        await Round(2);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = ResidentBytes();
        int steps = 0;
        for (int round = 3; steps < 100; round++)
        {
            steps += await Round(round);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        long after = ResidentBytes();

        // Then: growth well under one step's tensors leaking per step (a leak of the 8-slice
        // activations alone would add several MB per step, hundreds over 100 steps).
        Assert.True(after - before < 64L * 1024 * 1024, $"RSS grew by {(after - before) / 1e6:F1} MB over {steps} steps");
    }
}
