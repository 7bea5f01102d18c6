using Flip.Learning.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Flip.Learning.Tests.Models;

/// <summary>
/// <see cref="NormLayers.Forward"/>, which runs BatchNorm as TorchSharp does but counts <c>num_batches_tracked</c> with a
/// Scalar that is never freed. TorchSharp's <c>Tensor.add_(Scalar)</c> calls <c>add_(scalar, 1)</c> and hands the
/// temporary alpha's handle to libtorch without keeping it alive, so a collection during the call can free it; a default
/// simulate failed one site-round that way ("argument alpha must not be a floating point number"). The race needs a
/// collection inside one native call and did not reproduce on demand here (20,000 passes beside a collecting thread
/// pass with TorchSharp's forward too), so these tests check that the replacement counts and computes exactly as
/// TorchSharp's BatchNorm does, under collection pressure.
/// </summary>
[Collection("Torch")]
public sealed class BatchNormScalarTests
{
    [Fact]
    public async Task BatchNorm_counts_every_training_batch_while_the_collector_runs_finalizers_alongside()
    {
        // Given: a BatchNorm in training mode and a thread that collects garbage and runs finalizers without pause
        using var bn = nn.BatchNorm2d(2);
        bn.train();
        using Tensor input = randn(2, 2, 2, 2);
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });

        // When: many forward passes, each leaving Scalars and tensors to the finalizer
        const int batches = 20_000;
        try
        {
            for (int i = 0; i < batches; i++)
            {
                using Tensor output = NormLayers.Forward(bn, input);
                _ = 1.0 * i;   // double Scalars made elsewhere are what a freed one's memory is reused for
                using Scalar scratch = (0.5 * i).ToScalar();
            }
        }
        finally
        {
            stop.Cancel();
            await collector;
        }

        // Then: no pass failed and every batch was counted
        Assert.Equal(batches, bn.num_batches_tracked!.item<long>());
    }

    [Fact]
    public void Forward_matches_TorchSharps_BatchNorm_in_training_and_in_evaluation()
    {
        using var ours = nn.BatchNorm2d(3);
        using var theirs = nn.BatchNorm2d(3);
        using Tensor x = randn(4, 3, 5, 5, generator: new Generator(3));

        ours.train();
        theirs.train();
        using Tensor a = NormLayers.Forward(ours, x);
        using Tensor b = theirs.forward(x);
        Assert.True(a.allclose(b));
        Assert.True(ours.running_mean!.allclose(theirs.running_mean!));
        Assert.True(ours.running_var!.allclose(theirs.running_var!));
        Assert.Equal(theirs.num_batches_tracked!.item<long>(), ours.num_batches_tracked!.item<long>());

        ours.eval();
        theirs.eval();
        using Tensor c = NormLayers.Forward(ours, x);
        using Tensor d = theirs.forward(x);
        Assert.True(c.allclose(d));
    }
}
