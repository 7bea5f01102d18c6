namespace Flip.Flower.Fuzzing;

/// <summary>One change made to a valid reply, described without its bytes.</summary>
/// <param name="Kind">What was changed.</param>
/// <param name="Detail">Where and how, for the finding's report.</param>
public sealed record FleetMutation(FleetMutationKind Kind, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind}: {Detail}";
}
