using System.Globalization;

namespace Flip.Federated.SecureAggregation;

/// <summary>Secure aggregation could not finish a round: too few sites survived to unmask, or a message was not what the protocol expects.</summary>
public sealed class SecureAggregationException : FlipException
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">What failed, for which site, and what was expected.</param>
    /// <param name="fix">What to do about it.</param>
    /// <param name="inner">The exception that caused this one.</param>
    public SecureAggregationException(string message, string? fix = null, Exception? inner = null)
        : base(message, ExitCodes.RunFailed, fix, inner)
    {
    }

    /// <summary>Too few of a site's share holders answered to reconstruct one of its secrets.</summary>
    /// <param name="round">The round.</param>
    /// <param name="owner">The site whose secret is needed.</param>
    /// <param name="secret">Which secret.</param>
    /// <param name="received">Shares received.</param>
    /// <param name="threshold">Shares needed.</param>
    /// <param name="survivors">How many sites sent their masked input.</param>
    /// <param name="sites">How many sites started the round.</param>
    /// <returns>The error.</returns>
    public static SecureAggregationException BelowThreshold(int round, SiteId owner, string secret, int received, int threshold, int survivors, int sites)
        => new(
            string.Create(CultureInfo.InvariantCulture,
                $"Round {round}: secure aggregation cannot unmask the sum: {received} share(s) of {owner}'s {secret} came back, the threshold is {threshold} ({survivors} of {sites} sites survived); the round's sum stays hidden."),
            "lower SecureAggregationSettings.ThresholdFraction, raise Neighbours, or find out why so many sites dropped out (metrics.csv, site logs).");
}
