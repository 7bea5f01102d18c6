using Flip.Federated;

namespace Flip.Flower.Fleet;

/// <summary>
/// A node that requires secure aggregation (<c>client --require-secure-aggregation</c>) got a plain train instruction: it
/// trains nothing and sends nothing but Flower's error reply, which carries only this type's name.
/// </summary>
public sealed class PlainUpdateRefusedException : FlipException
{
    /// <summary>Creates the refusal.</summary>
    /// <param name="site">The node's site.</param>
    /// <param name="round">The server round of the instruction, when it said.</param>
    public PlainUpdateRefusedException(SiteId site, long? round)
        : base(SiteFlowerApp.Invariant($"{site}: refused a plain train instruction (round {round?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}): this node sends its update only masked, under secure aggregation."),
            ExitCodes.BadInput, "run the server with 'serve --secure-aggregation', or start the node without --require-secure-aggregation.")
    {
    }
}
