namespace Flip.Federated.Strategies;

/// <summary>A round's evaluation replies: the successes in instruction order, and the failures.</summary>
/// <param name="Succeeded">The sites that answered.</param>
/// <param name="Failed">The sites that did not.</param>
public sealed record EvaluateReplies(IReadOnlyList<EvaluateReply> Succeeded, IReadOnlyList<SiteFailure> Failed);
