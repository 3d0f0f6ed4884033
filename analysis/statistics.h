// Small statistical tests used by the encoding analyses.
#ifndef MIMIC_ANALYSIS_STATISTICS_H_
#define MIMIC_ANALYSIS_STATISTICS_H_

#include <cstdint>
#include <vector>

namespace mimic::analysis {

// One-sided Wilcoxon signed-rank test that the values are centred above zero. Exact (all sign
// patterns) up to 20 values, normal approximation with continuity correction beyond. Zeros are
// dropped; ties get average ranks.
double WilcoxonSignedRankGreater(const std::vector<double>& values);

// Benjamini-Hochberg: which hypotheses are rejected at false discovery rate `q`.
std::vector<bool> BenjaminiHochberg(const std::vector<double>& p_values, double q);

// One-sided paired permutation (sign-flip) test that mean(a - b) > 0; `rounds` random flips.
double PairedPermutationGreater(const std::vector<double>& a, const std::vector<double>& b, int rounds, uint64_t seed);

// Bonferroni: each p times the number of tests, capped at 1.
std::vector<double> Bonferroni(const std::vector<double>& p_values);

// Upper tail P(T > t) of Student's t with `df` degrees of freedom (df > 0, need not be whole),
// through the regularised incomplete beta function.
double StudentTUpperTail(double t, double df);
// Upper tail P(X > x) of the chi-squared distribution with `df` degrees of freedom, through the
// regularised incomplete gamma function.
double ChiSquaredUpperTail(double x, double df);

struct TTest {
  double t = 0;
  double df = 0;
  double p = 1;   // one-sided, in the direction the test names (NaN-free: 1 when undefined)
  double mean_difference = 0;
};
// One-sample t-test that mean(a) > mu.
TTest OneSampleTGreater(const std::vector<double>& a, double mu);
// Paired t-test that mean(a - b) > 0.
TTest PairedTGreater(const std::vector<double>& a, const std::vector<double>& b);
// Welch's unequal-variance t-test that mean(a) > mean(b) (Welch-Satterthwaite degrees of freedom).
TTest WelchTGreater(const std::vector<double>& a, const std::vector<double>& b);

struct ChiSquaredTest {
  double statistic = 0;
  double p = 1;          // one-sided: that group a's event rate exceeds group b's
  double p_two_sided = 1;
};
// Pearson's chi-squared test (no continuity correction) on a 2 x 2 table of events / trials in
// two groups, made one-sided by the direction of the difference (half the two-sided p when a's
// rate is higher, 1 minus that half otherwise).
ChiSquaredTest ChiSquaredRateGreater(int events_a, int trials_a, int events_b, int trials_b);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_STATISTICS_H_
