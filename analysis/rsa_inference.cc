#include "analysis/rsa_inference.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "analysis/statistics.h"

namespace mimic::analysis {

absl::StatusOr<RsaInference> CompareAcrossSubjects(const std::vector<std::vector<double>>& wuc,
                                                   const std::vector<double>& ceiling_lower,
                                                   const RsaInferenceOptions& options) {
  const size_t models = wuc.size();
  if (models == 0) return absl::InvalidArgumentError("no models");
  const size_t subjects = wuc[0].size();
  if (subjects < 2) return absl::InvalidArgumentError("across-subject tests need at least 2 subjects");
  for (const auto& row : wuc) {
    if (row.size() != subjects) return absl::InvalidArgumentError("models have WUCs for different numbers of subjects");
    for (double v : row) {
      if (!std::isfinite(v)) return absl::InvalidArgumentError("a WUC is not finite");
    }
  }
  if (!ceiling_lower.empty() && ceiling_lower.size() != subjects) {
    return absl::InvalidArgumentError(absl::StrCat(ceiling_lower.size(), " ceiling bounds for ", subjects, " subjects"));
  }
  RsaInference out;
  for (const auto& row : wuc) {
    double mean = 0, var = 0;
    for (double v : row) mean += v / subjects;
    for (double v : row) var += (v - mean) * (v - mean) / (subjects - 1);
    out.mean.push_back(mean);
    out.sem.push_back(std::sqrt(var / subjects));
    out.p_above_zero.push_back(OneSampleTGreater(row, 0).p);
    out.p_below_ceiling.push_back(ceiling_lower.empty() ? 1.0 : PairedTGreater(ceiling_lower, row).p);
  }
  out.p_above_zero_corrected = Bonferroni(out.p_above_zero);
  out.p_below_ceiling_corrected = Bonferroni(out.p_below_ceiling);
  for (size_t m = 0; m < models; ++m) {
    out.above_zero.push_back(out.p_above_zero_corrected[m] < options.alpha);
    out.below_ceiling.push_back(!ceiling_lower.empty() && out.p_below_ceiling_corrected[m] < options.alpha);
  }
  out.p_greater = Eigen::MatrixXd::Constant(models, models, std::nan(""));
  std::vector<double> pairs;
  for (size_t i = 0; i < models; ++i)
    for (size_t j = 0; j < models; ++j)
      if (i != j) {
        out.p_greater(i, j) = PairedTGreater(wuc[i], wuc[j]).p;
        pairs.push_back(out.p_greater(i, j));
      }
  const std::vector<bool> reject = BenjaminiHochberg(pairs, options.fdr);
  out.greater.assign(models, std::vector<bool>(models, false));
  size_t k = 0;
  for (size_t i = 0; i < models; ++i)
    for (size_t j = 0; j < models; ++j)
      if (i != j) out.greater[i][j] = reject[k++];
  return out;
}

}  // namespace mimic::analysis
