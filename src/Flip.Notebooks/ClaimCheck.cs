namespace Flip.Notebooks;

/// <summary>A paper's claim checked against our runs: the baseline's and the candidate's mean and worst-site value, and
/// whether the candidate is ahead on both, as the claim says it should be.</summary>
/// <param name="Claim">The paper's claim, in one sentence.</param>
/// <param name="Metric">The metric compared.</param>
/// <param name="Baseline">The baseline strategy.</param>
/// <param name="Candidate">The strategy the paper proposes.</param>
/// <param name="BaselineMean">Mean over hospitals, baseline.</param>
/// <param name="CandidateMean">Mean over hospitals, candidate.</param>
/// <param name="BaselineWorst">Worst hospital, baseline.</param>
/// <param name="CandidateWorst">Worst hospital, candidate.</param>
/// <param name="Verdict"><c>agrees</c> when the candidate is ahead on the mean and the worst hospital, <c>partly agrees</c> on one of them, else <c>does not agree</c>.</param>
public sealed record ClaimCheck(string Claim, string Metric, string Baseline, string Candidate,
    double BaselineMean, double CandidateMean, double BaselineWorst, double CandidateWorst, string Verdict);
