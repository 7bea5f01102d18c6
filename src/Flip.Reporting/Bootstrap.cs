namespace Flip.Reporting;

/// <summary>Percentile bootstrap confidence intervals over patients, seeded so the same inputs give the same interval.</summary>
/// <remarks>
/// The percentile method of Efron and Tibshirani, <i>An Introduction to the Bootstrap</i>, 1993, §13.3: draw
/// B resamples of the patients with replacement, compute the statistic on each, and take the (1 − level)/2 and
/// (1 + level)/2 quantiles of the B values (quantiles by linear interpolation between order statistics,
/// Hyndman and Fan 1996, definition 7). Small hospitals have few test patients, so their intervals are wide;
/// reporting them keeps a site's "worst" from being read as more than noise.
/// </remarks>
public static class Bootstrap
{
    /// <summary>The number of resamples used when none is given.</summary>
    public const int DefaultResamples = 2000;

    /// <summary>A percentile bootstrap interval of any statistic of a sample.</summary>
    /// <typeparam name="T">The sample's item, e.g. a patient's Dice.</typeparam>
    /// <param name="sample">The sample, one item per patient.</param>
    /// <param name="statistic">The statistic; it may return NaN for a resample where it is undefined, which is then left out.</param>
    /// <param name="seed">Seeds the resampling.</param>
    /// <param name="resamples">B, the number of resamples; <see cref="DefaultResamples"/> by default.</param>
    /// <param name="level">The confidence level; 0.95 by default.</param>
    /// <returns>The estimate on the whole sample and the interval.</returns>
    /// <exception cref="ArgumentException">The sample is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="resamples"/> &lt; 1 or <paramref name="level"/> not in (0, 1).</exception>
    public static ConfidenceInterval Percentile<T>(
        IReadOnlyList<T> sample, Func<IReadOnlyList<T>, double> statistic, int seed, int resamples = DefaultResamples, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(statistic);
        CheckOptions(resamples, level);
        if (sample.Count == 0) throw new ArgumentException("The sample is empty; a bootstrap needs at least one item.", nameof(sample));
        var random = new Random(seed);
        var buffer = new T[sample.Count];
        var values = new List<double>(resamples);
        for (int b = 0; b < resamples; b++)
        {
            for (int i = 0; i < buffer.Length; i++) buffer[i] = sample[random.Next(sample.Count)];
            double value = statistic(buffer);
            if (!double.IsNaN(value)) values.Add(value);
        }
        return Interval(statistic(sample), values, level);
    }

    /// <summary>Percentile bootstrap intervals of each site's AUROC, resampling positive and negative patients separately.</summary>
    /// <remarks>Stratified by label (as pROC does by default, Robin et al., BMC Bioinformatics 12:77, 2011), so every
    /// resample has both classes and its AUROC is defined. Each site gets its own stream seeded from
    /// <paramref name="seed"/> and the site's position in natural order, so adding a site does not change the others.</remarks>
    /// <param name="scores">Patients of one or more sites.</param>
    /// <param name="seed">Seeds the resampling.</param>
    /// <param name="resamples">B, the number of resamples; <see cref="DefaultResamples"/> by default.</param>
    /// <param name="level">The confidence level; 0.95 by default.</param>
    /// <returns>Site id → interval, in natural site order; sites with only one class are left out.</returns>
    /// <exception cref="ArgumentException">A label is not 0 or 1, or a score is NaN.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="resamples"/> &lt; 1 or <paramref name="level"/> not in (0, 1).</exception>
    public static IReadOnlyDictionary<string, ConfidenceInterval> SiteAuroc(
        IEnumerable<PatientScore> scores, int seed, int resamples = DefaultResamples, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(scores);
        CheckOptions(resamples, level);
        var result = new SortedDictionary<string, ConfidenceInterval>(SiteIds.Comparer);
        var bySite = scores.GroupBy(s => s.Site, StringComparer.Ordinal).OrderBy(g => g.Key, SiteIds.Comparer).ToList();
        for (int s = 0; s < bySite.Count; s++)
        {
            var patients = bySite[s].ToList();
            double estimate = Roc.Auroc(patients);
            if (double.IsNaN(estimate)) continue;
            var positives = patients.Where(p => p.Label == 1).ToArray();
            var negatives = patients.Where(p => p.Label == 0).ToArray();
            var random = new Random(unchecked(seed * 7919 + s));
            var buffer = new PatientScore[patients.Count];
            var values = new List<double>(resamples);
            for (int b = 0; b < resamples; b++)
            {
                for (int i = 0; i < positives.Length; i++) buffer[i] = positives[random.Next(positives.Length)];
                for (int i = 0; i < negatives.Length; i++) buffer[positives.Length + i] = negatives[random.Next(negatives.Length)];
                values.Add(Roc.AurocOf(buffer));
            }
            result[bySite[s].Key] = Interval(estimate, values, level);
        }
        return result;
    }

    /// <summary>Percentile bootstrap intervals of each site's mean of a per-patient metric, such as Dice, resampling the site's patients.</summary>
    /// <remarks>Each site gets its own stream seeded from <paramref name="seed"/> and the site's position in natural order.
    /// NaN values (e.g. a Dice where mask and prediction are both empty, if the trainer writes it so) are left out first.</remarks>
    /// <param name="values">Per-patient values of one or more sites.</param>
    /// <param name="seed">Seeds the resampling.</param>
    /// <param name="resamples">B, the number of resamples; <see cref="DefaultResamples"/> by default.</param>
    /// <param name="level">The confidence level; 0.95 by default.</param>
    /// <returns>Site id → interval of the mean, in natural site order; sites without a value are left out.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="resamples"/> &lt; 1 or <paramref name="level"/> not in (0, 1).</exception>
    public static IReadOnlyDictionary<string, ConfidenceInterval> SiteMean(
        IEnumerable<PatientValue> values, int seed, int resamples = DefaultResamples, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(values);
        CheckOptions(resamples, level);
        var result = new SortedDictionary<string, ConfidenceInterval>(SiteIds.Comparer);
        var bySite = values.Where(v => !double.IsNaN(v.Value)).GroupBy(v => v.Site, StringComparer.Ordinal).OrderBy(g => g.Key, SiteIds.Comparer).ToList();
        for (int s = 0; s < bySite.Count; s++)
        {
            double[] sample = [.. bySite[s].Select(v => v.Value)];
            result[bySite[s].Key] = Percentile(sample, Mean, unchecked(seed * 7919 + s), resamples, level);
        }
        return result;
    }

    private static double Mean(IReadOnlyList<double> sample)
    {
        double sum = 0;
        for (int i = 0; i < sample.Count; i++) sum += sample[i];
        return sum / sample.Count;
    }

    /// <summary>The quantile of sorted values by linear interpolation between order statistics (Hyndman–Fan definition 7, R's default).</summary>
    /// <param name="sorted">Values in ascending order.</param>
    /// <param name="p">The probability, 0 to 1.</param>
    /// <returns>The quantile; NaN for no values.</returns>
    internal static double Quantile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return double.NaN;
        double h = (sorted.Count - 1) * p;
        int low = (int)Math.Floor(h);
        int high = Math.Min(low + 1, sorted.Count - 1);
        return sorted[low] + (h - low) * (sorted[high] - sorted[low]);
    }

    private static ConfidenceInterval Interval(double estimate, List<double> values, double level)
    {
        values.Sort();
        double alpha = (1 - level) / 2;
        return new ConfidenceInterval(estimate, Quantile(values, alpha), Quantile(values, 1 - alpha), level, values.Count);
    }

    private static void CheckOptions(int resamples, double level)
    {
        if (resamples < 1) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "At least one resample is needed.");
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "The level must be between 0 and 1, e.g. 0.95.");
    }
}
