namespace Flip.Federated.SecureAggregation;

/// <summary>
/// A survivor's answer in the unmask stage: for every neighbour that sent its input, the share of
/// that neighbour's self-mask seed; for every neighbour that dropped, the share of its mask private key.
/// Never both for the same neighbour, so the server cannot strip both masks off one input.
/// </summary>
/// <param name="From">The survivor answering.</param>
/// <param name="SelfMaskShares">Shares of survivors' self-mask seeds, by owner.</param>
/// <param name="MaskKeyShares">Shares of dropped sites' mask private keys, by owner.</param>
public sealed record UnmaskReply(SiteId From, IReadOnlyDictionary<SiteId, ShamirShare> SelfMaskShares, IReadOnlyDictionary<SiteId, ShamirShare> MaskKeyShares);
