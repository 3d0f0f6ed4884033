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

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_STATISTICS_H_
