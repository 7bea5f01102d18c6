namespace Flip.Learning.Metrics;

/// <summary>Patient-level metrics of csPCa scores against labels.</summary>
/// <remarks>
/// Definitions follow scikit-learn's (<c>roc_auc_score</c>, <c>average_precision_score</c>) and the
/// PI-CAI challenge's ranking score (Saha et al., 2024, Lancet Oncology 25(7):879–887): (AUROC + AP) / 2.
/// </remarks>
public static class ClassificationMetrics
{
    /// <summary>Area under the ROC curve: the probability that a random positive scores above a random negative, ties counting half.</summary>
    /// <param name="labels">True labels.</param>
    /// <param name="scores">Scores, higher = more likely positive.</param>
    /// <returns>AUROC in [0, 1], or NaN when only one class is present.</returns>
    public static double Auroc(IReadOnlyList<bool> labels, IReadOnlyList<double> scores)
    {
        CheckLengths(labels, scores);
        int positives = labels.Count(l => l), negatives = labels.Count - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        // Mann–Whitney U with average ranks for ties.
        int[] order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double rankSumPositive = 0;
        int k = 0;
        while (k < order.Length)
        {
            int end = k;
            while (end + 1 < order.Length && scores[order[end + 1]] == scores[order[k]])
            {
                end++;
            }

            double averageRank = ((k + end) / 2.0) + 1;
            for (int i = k; i <= end; i++)
            {
                if (labels[order[i]])
                {
                    rankSumPositive += averageRank;
                }
            }

            k = end + 1;
        }

        double u = rankSumPositive - (positives * (positives + 1) / 2.0);
        return u / ((double)positives * negatives);
    }

    /// <summary>Average precision: Σₙ (Rₙ − Rₙ₋₁) Pₙ over descending score thresholds (scikit-learn's definition, no interpolation).</summary>
    /// <param name="labels">True labels.</param>
    /// <param name="scores">Scores, higher = more likely positive.</param>
    /// <returns>AP in [0, 1], or NaN when there is no positive.</returns>
    public static double AveragePrecision(IReadOnlyList<bool> labels, IReadOnlyList<double> scores)
    {
        CheckLengths(labels, scores);
        int positives = labels.Count(l => l);
        if (positives == 0)
        {
            return double.NaN;
        }

        int[] order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        double ap = 0, previousRecall = 0;
        int truePositives = 0, seen = 0, k = 0;
        while (k < order.Length)
        {
            // Tied scores form one threshold.
            int end = k;
            while (end + 1 < order.Length && scores[order[end + 1]] == scores[order[k]])
            {
                end++;
            }

            for (int i = k; i <= end; i++)
            {
                seen++;
                if (labels[order[i]])
                {
                    truePositives++;
                }
            }

            double recall = truePositives / (double)positives;
            double precision = truePositives / (double)seen;
            ap += (recall - previousRecall) * precision;
            previousRecall = recall;
            k = end + 1;
        }

        return ap;
    }

    /// <summary>The PI-CAI ranking score, (AUROC + AP) / 2.</summary>
    /// <param name="labels">True labels.</param>
    /// <param name="scores">Scores.</param>
    /// <returns>The score, NaN when either part is undefined.</returns>
    public static double PicaiScore(IReadOnlyList<bool> labels, IReadOnlyList<double> scores)
        => (Auroc(labels, scores) + AveragePrecision(labels, scores)) / 2;

    /// <summary>The confusion matrix at a threshold (score ≥ threshold predicts positive).</summary>
    /// <param name="labels">True labels.</param>
    /// <param name="scores">Scores.</param>
    /// <param name="threshold">Decision threshold.</param>
    /// <returns>Counts.</returns>
    public static ConfusionMatrix Confusion(IReadOnlyList<bool> labels, IReadOnlyList<double> scores, double threshold = 0.5)
    {
        CheckLengths(labels, scores);
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            bool predicted = scores[i] >= threshold;
            if (predicted && labels[i]) tp++;
            else if (predicted) fp++;
            else if (labels[i]) fn++;
            else tn++;
        }

        return new ConfusionMatrix(tp, fp, tn, fn);
    }

    /// <summary>Expected calibration error with equal-width bins: Σ_b (n_b / n) · |accuracy_b − confidence_b|.</summary>
    /// <param name="labels">True labels.</param>
    /// <param name="probabilities">Predicted probabilities of the positive class, in [0, 1].</param>
    /// <param name="bins">Number of bins over [0, 1].</param>
    /// <returns>ECE in [0, 1] (Guo et al., 2017, arXiv:1706.04599, eq. 3, for the positive class).</returns>
    public static double ExpectedCalibrationError(IReadOnlyList<bool> labels, IReadOnlyList<double> probabilities, int bins = 10)
    {
        CheckLengths(labels, probabilities);
        if (labels.Count == 0)
        {
            return double.NaN;
        }

        var count = new int[bins];
        var positives = new double[bins];
        var confidence = new double[bins];
        for (int i = 0; i < labels.Count; i++)
        {
            double p = Math.Clamp(probabilities[i], 0, 1);
            int b = Math.Min(bins - 1, (int)(p * bins));
            count[b]++;
            confidence[b] += p;
            positives[b] += labels[i] ? 1 : 0;
        }

        double ece = 0;
        for (int b = 0; b < bins; b++)
        {
            if (count[b] > 0)
            {
                ece += count[b] / (double)labels.Count * Math.Abs((positives[b] / count[b]) - (confidence[b] / count[b]));
            }
        }

        return ece;
    }

    private static void CheckLengths<T>(IReadOnlyList<bool> labels, IReadOnlyList<T> scores)
    {
        if (labels.Count != scores.Count)
        {
            throw new ArgumentException($"{labels.Count} labels but {scores.Count} scores; expected one score per label.");
        }
    }
}
