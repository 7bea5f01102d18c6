using Flip.Flower.Records;

namespace Flip.Flower.Fleet;

/// <summary>
/// What a Flower node runs for each instruction — the .NET counterpart of a Flower ClientApp.
/// The site trainer plugs in here; <see cref="FlowerNode"/> does all the wire work.
/// </summary>
/// <remarks>
/// Flower 1.27's FedAvg sends <c>arrays</c> (ArrayRecord) and <c>config</c> (ConfigRecord with
/// <c>server-round</c>); a train reply carries <c>arrays</c> and <c>metrics</c> (with
/// <c>num-examples</c>), an evaluate reply carries <c>metrics</c> (with <c>num-examples</c>), and every
/// node must use the same metric keys (flower-protocol.md (c), (f)). Reply with the arrays in the
/// order received. An exception becomes an error reply (code 2) whose reason names only the
/// exception type — never a path, value or identifier.
/// </remarks>
public interface IFlowerApp
{
    /// <summary>Trains on the site's data, starting from the instruction's arrays.</summary>
    /// <param name="instruction">The <c>train</c> instruction.</param>
    /// <param name="ct">Cancelled when the node stops.</param>
    /// <returns>The reply content.</returns>
    Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct);

    /// <summary>Evaluates the instruction's arrays on the site's data.</summary>
    /// <param name="instruction">The <c>evaluate</c> instruction.</param>
    /// <param name="ct">Cancelled when the node stops.</param>
    /// <returns>The reply content.</returns>
    Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct);

    /// <summary>Answers a <c>query</c> instruction (for example properties of the site, counts only).</summary>
    /// <param name="instruction">The <c>query</c> instruction.</param>
    /// <param name="ct">Cancelled when the node stops.</param>
    /// <returns>The reply content.</returns>
    Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct);
}
