namespace Flip.Federated.Strategies;

/// <summary>A round's training replies: the successes in instruction order, and the failures.</summary>
/// <param name="Succeeded">The sites that answered, in the order they were instructed.</param>
/// <param name="Failed">The sites that did not.</param>
public sealed record TrainReplies(IReadOnlyList<TrainReply> Succeeded, IReadOnlyList<SiteFailure> Failed);
