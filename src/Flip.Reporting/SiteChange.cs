namespace Flip.Reporting;

/// <summary>One site's metric with a model trained on its data alone and with the federated model.</summary>
/// <param name="Site">The site id.</param>
/// <param name="Local">The value with local-only training.</param>
/// <param name="Federated">The value with the federated model.</param>
/// <param name="Difference">Federated − local.</param>
/// <param name="Outcome">Whether the site gains, loses or is unchanged, given which direction is better.</param>
public sealed record SiteChange(string Site, double Local, double Federated, double Difference, ChangeOutcome Outcome);
