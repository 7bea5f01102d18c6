namespace Flip.Federated;

/// <summary>The element type of a <see cref="ParameterArray"/>, as a <c>state_dict</c> entry has one.</summary>
public enum ParameterDataType
{
    /// <summary>32-bit IEEE float: weights, biases, BatchNorm running statistics.</summary>
    Float32,

    /// <summary>64-bit IEEE float: server state such as optimiser moments, accountant figures.</summary>
    Float64,

    /// <summary>64-bit signed integer: counters such as BatchNorm's <c>num_batches_tracked</c>.</summary>
    Int64,
}
