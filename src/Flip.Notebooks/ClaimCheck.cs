namespace Flip.Notebooks;

/// <summary>
/// A paper's claim checked against our runs over several seeds: the baseline's and the candidate's mean-over-hospitals
/// and worst-hospital values (averaged over seeds), the paired difference candidate − baseline with its 95 % confidence
/// interval across seeds, and what that interval allows one to say.
/// </summary>
/// <param name="Claim">The paper's claim, in one sentence.</param>
/// <param name="Metric">The metric compared.</param>
/// <param name="Baseline">The baseline strategy.</param>
/// <param name="Candidate">The strategy the paper proposes.</param>
/// <param name="Seeds">Seeds compared.</param>
/// <param name="BaselineMean">Mean over hospitals, baseline (average over seeds).</param>
/// <param name="CandidateMean">Mean over hospitals, candidate (average over seeds).</param>
/// <param name="MeanDifference">Candidate − baseline of the mean over hospitals, averaged over seeds.</param>
/// <param name="MeanLow">Lower end of its 95 % interval (NaN with one seed).</param>
/// <param name="MeanHigh">Upper end of its 95 % interval.</param>
/// <param name="BaselineWorst">Worst hospital, baseline (average over seeds).</param>
/// <param name="CandidateWorst">Worst hospital, candidate (average over seeds).</param>
/// <param name="WorstDifference">Candidate − baseline of the worst hospital, averaged over seeds.</param>
/// <param name="WorstLow">Lower end of its 95 % interval.</param>
/// <param name="WorstHigh">Upper end of its 95 % interval.</param>
/// <param name="Verdict">
/// <c>agrees</c> when the interval of the mean difference lies above 0, <c>does not agree</c> when it lies below 0,
/// <c>inconclusive</c> when it contains 0 (the seeds disagree more than the strategies do) or there is one seed.
/// </param>
public sealed record ClaimCheck(string Claim, string Metric, string Baseline, string Candidate, int Seeds,
    double BaselineMean, double CandidateMean, double MeanDifference, double MeanLow, double MeanHigh,
    double BaselineWorst, double CandidateWorst, double WorstDifference, double WorstLow, double WorstHigh, string Verdict);
