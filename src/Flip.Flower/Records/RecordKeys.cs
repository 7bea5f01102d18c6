namespace Flip.Flower.Records;

/// <summary>The record and item names Flower's stock strategies use on the wire (flower-protocol.md (d)).</summary>
public static class RecordKeys
{
    /// <summary>The <see cref="ArrayRecord"/> holding the model, in instructions and train replies.</summary>
    public const string Arrays = "arrays";

    /// <summary>The <see cref="ConfigRecord"/> of an instruction.</summary>
    public const string Config = "config";

    /// <summary>The <see cref="MetricRecord"/> of a reply.</summary>
    public const string Metrics = "metrics";

    /// <summary>The round number FedAvg puts into every instruction's config (sint64).</summary>
    public const string ServerRound = "server-round";

    /// <summary>The example count FedAvg weights by; required in every reply's metrics (sint64).</summary>
    public const string NumExamples = "num-examples";

    /// <summary>FLIP's SCAFFOLD (Flower has none): the server control variate c, an <see cref="ArrayRecord"/> beside the model in a train instruction.</summary>
    public const string ControlVariate = "scaffold-control";

    /// <summary>FLIP's SCAFFOLD: the node's control-variate change Δcᵢ, an <see cref="ArrayRecord"/> beside its update in a train reply.</summary>
    public const string ControlVariateDelta = "scaffold-control-delta";

    /// <summary><c>Array.stype</c> and legacy <c>Parameters.tensor_type</c>.</summary>
    public const string NumpyStype = "numpy.ndarray";
}
