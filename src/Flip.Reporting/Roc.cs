namespace Flip.Reporting;

/// <summary>Receiver operating characteristic: the curve and the area under it, from patients' labels and scores.</summary>
public static class Roc
{
    /// <summary>The area under the ROC curve: the probability that a random positive patient scores above a random
    /// negative one, ties counting one half.</summary>
    /// <remarks>The Mann–Whitney U statistic divided by P·N (Hanley and McNeil, Radiology 143:29–36, 1982, eq. 1),
    /// computed from mid-ranks in O(n log n). It equals the trapezoidal area under <see cref="Curve"/>.</remarks>
    /// <param name="scores">The patients; labels must be 0 or 1.</param>
    /// <returns>AUROC in [0, 1]; NaN when there are no positive or no negative patients.</returns>
    /// <exception cref="ArgumentException">A label is not 0 or 1, or a score is NaN.</exception>
    public static double Auroc(IEnumerable<PatientScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var list = Checked(scores);
        return AurocOf(list);
    }

    internal static double AurocOf(IReadOnlyList<PatientScore> list)
    {
        long positives = 0;
        foreach (var p in list) positives += p.Label;
        long negatives = list.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;

        var order = new int[list.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) => list[a].Score.CompareTo(list[b].Score));
        double positiveRankSum = 0;
        int start = 0;
        while (start < order.Length)
        {
            int end = start;
            while (end + 1 < order.Length && list[order[end + 1]].Score == list[order[start]].Score) end++;
            double midRank = (start + end) / 2.0 + 1; // ranks are 1-based
            for (int k = start; k <= end; k++)
            {
                if (list[order[k]].Label == 1) positiveRankSum += midRank;
            }
            start = end + 1;
        }
        double u = positiveRankSum - positives * (positives + 1) / 2.0;
        return u / ((double)positives * negatives);
    }

    /// <summary>The ROC curve: one point per distinct score, from (0, 0) to (1, 1).</summary>
    /// <remarks>Fawcett, "An introduction to ROC analysis", Pattern Recognition Letters 27:861–874, 2006,
    /// algorithm 2: patients with equal scores move the curve together, diagonally.</remarks>
    /// <param name="scores">The patients; labels must be 0 or 1.</param>
    /// <returns>The points, by increasing false positive rate; empty when there are no positive or no negative patients.</returns>
    /// <exception cref="ArgumentException">A label is not 0 or 1, or a score is NaN.</exception>
    public static IReadOnlyList<RocPoint> Curve(IEnumerable<PatientScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var list = Checked(scores).OrderByDescending(p => p.Score).ToList();
        int positives = list.Count(p => p.Label == 1);
        int negatives = list.Count - positives;
        if (positives == 0 || negatives == 0) return [];
        var points = new List<RocPoint> { new(0, 0, double.PositiveInfinity) };
        int tp = 0, fp = 0, i = 0;
        while (i < list.Count)
        {
            double threshold = list[i].Score;
            while (i < list.Count && list[i].Score == threshold)
            {
                if (list[i].Label == 1) tp++; else fp++;
                i++;
            }
            points.Add(new RocPoint((double)fp / negatives, (double)tp / positives, threshold));
        }
        return points;
    }

    private static List<PatientScore> Checked(IEnumerable<PatientScore> scores)
    {
        var list = scores.ToList();
        foreach (var p in list)
        {
            if (p.Label is not (0 or 1))
                throw new ArgumentException($"Patient {p.PatientKey} at {p.Site} has label {p.Label}; expected 0 (no csPCa) or 1 (csPCa).", nameof(scores));
            if (double.IsNaN(p.Score))
                throw new ArgumentException($"Patient {p.PatientKey} at {p.Site} has score NaN; expected a number.", nameof(scores));
        }
        return list;
    }
}
