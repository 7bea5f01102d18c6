using TorchSharp;
using static TorchSharp.torch;

namespace Flip.Learning.Models;

/// <summary>Facts about a model's state dict that federated strategies need.</summary>
public static class ModelState
{
    /// <summary>The number of trainable parameter values.</summary>
    /// <param name="model">Any module.</param>
    /// <returns>The sum of the element counts of the parameters that require gradients.</returns>
    public static long TrainableParameterCount(nn.Module model)
        => model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());

    /// <summary>The model's state (parameters and buffers) in PyTorch's <c>state_dict()</c> order.</summary>
    /// <param name="model">Any module.</param>
    /// <returns>Key and tensor pairs; the tensors are the model's own, not copies.</returns>
    /// <remarks>
    /// TorchSharp's <c>state_dict()</c> lists every parameter of the tree before any buffer; PyTorch
    /// goes module by module, each module's own parameters then its own buffers. Flower exchanges
    /// arrays as an ordered list, so PyTorch's order is the one that interoperates.
    /// </remarks>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> StateEntries(nn.Module model)
    {
        var entries = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, module) in ModulesPreOrder(model, string.Empty))
        {
            string prefix = name.Length == 0 ? string.Empty : name + ".";
            foreach (var (key, parameter) in module.named_parameters(recurse: false))
            {
                entries.Add(new(prefix + key, parameter));
            }

            foreach (var (key, buffer) in module.named_buffers(recurse: false))
            {
                entries.Add(new(prefix + key, buffer));
            }
        }

        return entries;
    }

    // TorchSharp's named_modules() lists a module's children before their descendants
    // (breadth-first); PyTorch's state_dict() walks depth-first in registration order.
    private static IEnumerable<(string Name, nn.Module Module)> ModulesPreOrder(nn.Module module, string name)
    {
        yield return (name, module);
        foreach (var (childName, child) in module.named_children())
        {
            foreach (var entry in ModulesPreOrder(child, name.Length == 0 ? childName : name + "." + childName))
            {
                yield return entry;
            }
        }
    }

    /// <summary>The state-dict keys that belong to normalisation layers (weights, biases, running statistics).</summary>
    /// <param name="model">Any module.</param>
    /// <returns>Keys such as <c>enc1.bn1.weight</c> and <c>enc1.bn1.running_mean</c>, in state-dict order.</returns>
    /// <remarks>FedBN keeps exactly these at each site (Li et al., 2021, arXiv:2102.07623, Algorithm 1).</remarks>
    public static IReadOnlyList<string> NormalizationKeys(nn.Module model)
    {
        var prefixes = model.named_modules()
            .Where(m => NormLayers.IsNormalization(m.module))
            .Select(m => m.name + ".")
            .ToList();
        return StateEntries(model).Select(e => e.Key)
            .Where(key => prefixes.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal)))
            .ToList();
    }
}
