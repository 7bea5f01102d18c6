using System.Diagnostics;
using Flip.Datasets.Samples;
using Flip.Federated;
using Flip.Learning;
using Flip.Learning.Devices;
using Flip.Learning.Losses;
using Flip.Learning.Models;
using Flip.Learning.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Flip.Benchmarks.Learning;

/// <summary>BENCHMARKS.md W1 (2D U-Net training and inference) and W2 (3D classifier training).</summary>
/// <remarks>
/// Each follows the common rules: float32, CPU unless a device is given, 2 threads, seed 0 before
/// the model, synthetic data made once, the same batch every step; an iteration is zero_grad →
/// forward → loss → backward → step → loss.item() (inference: forward in eval mode under no_grad →
/// one value read back). Run each workload in a fresh process to read start-up and peak RSS.
/// </remarks>
public static class TrainingWorkloads
{
    /// <summary>The workload names <see cref="Run"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["w1-train", "w1-trainer", "w1-inference", "w2-train", "w2-ops"];

    /// <summary>Runs one workload in this process.</summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <param name="threads">libtorch intra-op threads (BENCHMARKS.md: 2).</param>
    /// <param name="device"><c>cpu</c>, <c>auto</c>, <c>cuda</c> or <c>cuda:N</c>, resolved as <c>--device</c> is everywhere (<see cref="DeviceChoice"/>).</param>
    /// <returns>The timings.</returns>
    /// <exception cref="FlipException">The device is unknown, or CUDA was asked for and is not there.</exception>
    public static WorkloadResult Run(string name, int threads = 2, string device = "cpu")
    {
        torch.set_num_threads(threads);
        var target = DeviceChoice.Resolve(device);
        // The first tensor operation: start-up is measured up to here.
        using (torch.zeros(1).add(1))
        {
        }

        double startup = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds;
        List<double> times = name switch
        {
            "w1-train" => W1Train(target),
            "w1-trainer" => W1Trainer(target),
            "w1-inference" => W1Inference(target),
            "w2-train" => W2Train(target),
            "w2-ops" => W2Ops(target),
            _ => throw new FlipException($"unknown workload '{name}'; expected one of {string.Join(", ", Names)}.", ExitCodes.BadCommandLine),
        };
        int batch = name.StartsWith("w1", StringComparison.Ordinal) ? 16 : 4;
        // w1-trainer's entries are per-step averages over rounds of 10 steps.
        var sorted = times.Order().ToList();
        double median = Median(sorted);
        return new WorkloadResult(name, times.Count, median, sorted[0], sorted[^1], batch / (median / 1000.0),
            startup, PeakRssMegabytes(), torch.get_num_threads());
    }

    private static List<double> W1Train(Device device)
    {
        var (x, y, foreground) = W1Batch(device);
        torch.manual_seed(0);
        using var model = new UNet2D();
        model.to(device).train();
        using var optimizer = optim.Adam(model.parameters(), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8);
        return Measure(warmup: 3, measured: 10, () =>
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            Tensor loss = SegmentationLoss.CrossEntropyPlusDice(model.forward(x), y, foreground);
            loss.backward();
            optimizer.step();
            _ = loss.item<float>();
        });
    }

    // W1 through the site trainer: the same model, batch size, loss and optimizer, but the data
    // fed from a SliceSet, the global state loaded and the update exported as a ParameterSet every
    // round, and the metrics computed — the trainer's own overhead around the raw W1 step.
    private static List<double> W1Trainer(Device device)
    {
        const int stepsPerRound = 10;
        var (x, y, _) = W1Batch(device);
        float[] oneBatch = x.cpu().data<float>().ToArray();
        long[] oneMask = y.cpu().data<long>().ToArray();
        var images = new float[oneBatch.Length * stepsPerRound];
        var masks = new long[oneMask.Length * stepsPerRound];
        for (int i = 0; i < stepsPerRound; i++)
        {
            oneBatch.CopyTo(images, i * oneBatch.Length);
            oneMask.CopyTo(masks, i * oneMask.Length);
        }

        int slices = 16 * stepsPerRound;
        var patients = new List<SamplePatient> { new("bench/p0001", true) };
        var set = new SliceSet(3, 128, 128, images, masks, new int[slices], patients);
        torch.manual_seed(0);
        using var workspace = new ModelWorkspace(() => new UNet2D(), device);
        var trainer = new SegmentationSiteTrainer(set, set, workspace, new TrainerOptions
        {
            BatchSize = 16,
            Augment = false,
            GradientClipNorm = null,
        });
        ParameterSet global = workspace.Model.ToParameterSet();
        var state = new SiteState();
        var perStep = new List<double>();
        for (int round = 0; round < 4; round++)
        {
            long start = Stopwatch.GetTimestamp();
            var update = trainer.TrainAsync(global, new TrainConfig { Round = 1, LearningRate = 1e-3, Seed = round }, state, default)
                .GetAwaiter().GetResult();
            double elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            global = update.Parameters;
            if (round > 0)
            {
                // Round 0 is the warm-up; each later round is 10 measured steps.
                perStep.Add(elapsed / stepsPerRound);
            }
        }

        return perStep;
    }

    private static List<double> W1Inference(Device device)
    {
        var (x, _, _) = W1Batch(device);
        torch.manual_seed(0);
        using var model = new UNet2D();
        model.to(device).eval();
        return Measure(warmup: 2, measured: 10, () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = torch.no_grad();
            Tensor logits = model.forward(x);
            _ = logits[0, 0, 0, 0].item<float>();
        });
    }

    private static List<double> W2Train(Device device)
    {
        var generator = new Generator(7);
        Tensor x = torch.randn([4L, 3, 32, 64, 64], generator: generator).to(device);
        Tensor y = torch.tensor(new long[] { 0, 1, 0, 1 }).to(device);
        torch.manual_seed(0);
        using var model = new Classifier3D();
        model.to(device).train();
        using var optimizer = optim.Adam(model.parameters(), lr: 1e-3);
        return Measure(warmup: 3, measured: 20, () =>
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            Tensor loss = functional.cross_entropy(model.forward(x), y);
            loss.backward();
            optimizer.step();
            _ = loss.item<float>();
        });
    }

    // W2's libtorch operations one by one, with no model, optimizer or autograd graph across them: per block, the 3×3×3
    // convolution forward and backward, batch norm + ReLU forward and backward, and max pooling forward and backward, on
    // the shapes W2 runs them on; an iteration is all of them. The peer runs the same calls: when w2-ops and w2-train have
    // the same ratio, the gap is in libtorch's kernels (TorchSharp's 2.x build against the peer's), not in FLIP's code.
    private static List<double> W2Ops(Device device)
    {
        int[] inputs = [3, 16, 32, 64], outputs = [16, 32, 64, 128];
        long[][] sizes = [[32, 64, 64], [16, 32, 32], [8, 16, 16], [4, 8, 8]];
        var generator = new Generator(7);
        torch.manual_seed(0);
        var steps = new List<Action>();
        var keep = new List<IDisposable>();
        for (int b = 0; b < 4; b++)
        {
            var conv = Conv3d(inputs[b], outputs[b], 3, padding: 1, bias: false);
            var norm = BatchNorm3d(outputs[b]);
            conv.to(device);
            norm.to(device);
            Tensor x = torch.randn([4L, inputs[b], sizes[b][0], sizes[b][1], sizes[b][2]], generator: generator).to(device).requires_grad_(b > 0);
            Tensor y;
            using (torch.no_grad())
            {
                y = conv.forward(x);
            }

            Tensor normIn = y.clone().requires_grad_(true), poolIn = y.clone().requires_grad_(true);
            keep.AddRange([conv, norm, x, y, normIn, poolIn]);
            bool pool = b < 3;
            steps.Add(() =>
            {
                conv.zero_grad();
                conv.forward(x).sum().backward();
                functional.relu(norm.forward(normIn)).sum().backward();
                if (pool)
                {
                    functional.max_pool3d(poolIn, [2, 2, 2]).sum().backward();
                }
            });
        }

        List<double> times = Measure(warmup: 3, measured: 20, () =>
        {
            using var scope = NewDisposeScope();
            foreach (Action step in steps)
            {
                step();
            }
        });
        keep.ForEach(d => d.Dispose());
        return times;
    }

    private static (Tensor X, Tensor Y, Tensor Foreground) W1Batch(Device device)
    {
        var generator = new Generator(7);
        Tensor x = torch.randn([16L, 3, 128, 128], generator: generator).to(device);
        Tensor h = torch.arange(128).reshape(128, 1);
        Tensor w = torch.arange(128).reshape(1, 128);
        Tensor disc = ((h - 64).pow(2) + (w - 64).pow(2)).lt(30 * 30).to_type(ScalarType.Int64);
        Tensor y = disc.unsqueeze(0).expand(16, 128, 128).contiguous().to(device);
        Tensor foreground = y.eq(1).to_type(ScalarType.Float32);
        return (x, y, foreground);
    }

    private static List<double> Measure(int warmup, int measured, Action step)
    {
        for (int i = 0; i < warmup; i++)
        {
            step();
        }

        var times = new List<double>(measured);
        for (int i = 0; i < measured; i++)
        {
            long start = Stopwatch.GetTimestamp();
            step();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return times;
    }

    private static double Median(IReadOnlyList<double> sorted)
        => sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

    /// <summary>Peak resident set size of this process in MB (10⁶ B), from <c>/proc/self/status</c> VmHWM.</summary>
    /// <returns>The figure, or 0 where /proc is not available.</returns>
    public static double PeakRssMegabytes()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return 0;
        }

        string? line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        if (line is null)
        {
            return 0;
        }

        string kilobytes = line["VmHWM:".Length..].Trim().Split(' ')[0];
        return long.Parse(kilobytes, System.Globalization.CultureInfo.InvariantCulture) * 1024 / 1e6;
    }
}
