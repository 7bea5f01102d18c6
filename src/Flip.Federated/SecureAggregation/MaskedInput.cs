namespace Flip.Federated.SecureAggregation;

/// <summary>A site's quantised input plus its self mask and pairwise masks, mod 2³²: all the server ever sees of one site's update.</summary>
/// <param name="Site">The site.</param>
/// <param name="Values">The masked integers.</param>
public sealed record MaskedInput(SiteId Site, uint[] Values);
