using System.Reflection;
using Flip.Flower.Npy;

namespace Flip.Flower.Tests;

/// <summary>STYLE.md §1: a node that relays parameters loads without TorchSharp.</summary>
public sealed class ReferenceTests
{
    [Fact]
    public void Flip_Flower_references_neither_TorchSharp_nor_Flip_Learning()
    {
        AssemblyName[] references = typeof(NpyCodec).Assembly.GetReferencedAssemblies();

        Assert.DoesNotContain(references, r => r.Name!.StartsWith("TorchSharp", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.Name == "Flip.Learning");
        Assert.Contains(references, r => r.Name == "Flip.Core");
    }
}
