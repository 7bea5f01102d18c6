using CsCheck;

namespace Flip.Federated.Tests;

public sealed class ArchitectureTests
{
    [Fact]
    public void Flip_Federated_references_only_the_BCL_logging_abstractions_and_Flip_Core()
    {
        // STYLE.md §1: a relay node loads Flip.Federated without TorchSharp or gRPC.
        var references = typeof(ParameterSet).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.All(references, name => Assert.True(
            name.StartsWith("System", StringComparison.Ordinal) || name is "netstandard" or "Flip.Core" or "Microsoft.Extensions.Logging.Abstractions",
            $"Flip.Federated references {name}"));
    }

    [Fact]
    public void No_value_kept_at_a_site_ever_appears_in_what_it_sends()
    {
        // Property (STYLE.md §8): whatever a FedBN site trains its local layer to, the reply carries the global value.
        Gen.Float[-100f, 100f].Array[3].Select(Gen.Float[-100f, 100f].Array[3]).Sample((globalBn, trainedBn) =>
        {
            var trainer = new Toy.ScriptedTrainer((p, _) => new SiteUpdate(
                ParameterSet.Create(p["conv.weight"], ParameterArray.Float32("bn.weight", trainedBn)),
                ParameterKind.Full,
                1,
                MetricSet.Empty));
            var site = new Site(new SiteId("site-a"), trainer);
            var global = ParameterSet.Create(ParameterArray.Float32("conv.weight", 1, 2, 3), ParameterArray.Float32("bn.weight", globalBn));

            var update = site.TrainAsync(global, new TrainConfig { LocalParameterNames = ["bn.weight"] }, CancellationToken.None).GetAwaiter().GetResult();

            Assert.Equal(globalBn, update.Parameters["bn.weight"].AsFloat32().ToArray());
            Assert.Equal(trainedBn, site.State.LocalParameters!["bn.weight"].AsFloat32().ToArray());
        });
    }
}
