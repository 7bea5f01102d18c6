using Flip.Federated;
using TorchSharp;
using static TorchSharp.torch;

namespace Flip.Learning.Models;

/// <summary>Converts between a TorchSharp module's state and a <see cref="ParameterSet"/>, bit-exactly.</summary>
/// <remarks>
/// Every state entry travels, running statistics and <c>num_batches_tracked</c> included, in
/// PyTorch's <c>state_dict()</c> order (<see cref="ModelState.StateEntries"/>): float32 entries as
/// float32 arrays, int64 entries as int64 arrays. Values are copied, never reinterpreted.
/// </remarks>
public static class ModelParameters
{
    /// <summary>Copies the module's state into a new parameter set.</summary>
    /// <param name="model">Any module on any device.</param>
    /// <returns>The state, in PyTorch order.</returns>
    /// <exception cref="NotSupportedException">A state entry has a dtype other than float32 or int64.</exception>
    public static ParameterSet ToParameterSet(this nn.Module model)
    {
        var arrays = new List<ParameterArray>();
        using (torch.no_grad())
        {
            foreach (var (name, tensor) in ModelState.StateEntries(model))
            {
                int[] shape = [.. tensor.shape.Select(d => checked((int)d))];
                using Tensor cpu = tensor.detach().cpu().contiguous();
                arrays.Add(cpu.dtype switch
                {
                    ScalarType.Float32 => ParameterArray.Float32(name, shape, cpu.data<float>().ToArray()),
                    ScalarType.Int64 => ParameterArray.Int64(name, shape, cpu.data<long>().ToArray()),
                    _ => throw new NotSupportedException($"state entry `{name}` has dtype {cpu.dtype}; expected float32 or int64."),
                });
            }
        }

        return ParameterSet.Create(arrays);
    }

    /// <summary>Copies a parameter set into the module's state, in place.</summary>
    /// <param name="model">The module to load into.</param>
    /// <param name="parameters">A set with exactly the module's state entries (names, dtypes, shapes).</param>
    /// <exception cref="ParameterLayoutException">The set does not match the model; the message names the first differing key.</exception>
    public static void Load(this nn.Module model, ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var entries = ModelState.StateEntries(model);
        Layout(model, entries).EnsureSame(parameters.Layout, "the parameter set", "the model");
        using (torch.no_grad())
        {
            foreach (var (name, tensor) in entries)
            {
                ParameterArray array = parameters[name];
                using Tensor source = array.DataType switch
                {
                    ParameterDataType.Float32 => torch.tensor(array.AsFloat32().ToArray(), tensor.shape, ScalarType.Float32),
                    ParameterDataType.Int64 => torch.tensor(array.AsInt64().ToArray(), tensor.shape, ScalarType.Int64),
                    _ => throw new NotSupportedException($"parameter `{name}` has data type {array.DataType}; expected float32 or int64."),
                };
                tensor.copy_(source);
            }
        }
    }

    /// <summary>The layout (names, data types, shapes) of the module's state.</summary>
    /// <param name="model">Any module.</param>
    /// <returns>The layout a <see cref="ParameterSet"/> must have to load into it.</returns>
    public static ParameterLayout Layout(nn.Module model) => Layout(model, ModelState.StateEntries(model));

    private static ParameterLayout Layout(nn.Module model, IReadOnlyList<KeyValuePair<string, Tensor>> entries)
        => new(entries.Select(e => new ParameterSpec(e.Key,
            e.Value.dtype == ScalarType.Int64 ? ParameterDataType.Int64 : ParameterDataType.Float32,
            [.. e.Value.shape.Select(d => (int)d)])));
}
