namespace Flip.Experiments;

/// <summary>How evenly one strategy serves the hospitals on one metric.</summary>
/// <param name="Strategy">Strategy name.</param>
/// <param name="Metric">Metric name.</param>
/// <param name="Mean">Mean over hospitals.</param>
/// <param name="WorstSite">The hospital with the lowest value.</param>
/// <param name="Worst">Its value.</param>
/// <param name="BestSite">The hospital with the highest value.</param>
/// <param name="Best">Its value.</param>
public sealed record FairnessRow(string Strategy, string Metric, double Mean, string WorstSite, double Worst, string BestSite, double Best)
{
    /// <summary>Best minus worst.</summary>
    public double Gap => Best - Worst;
}
