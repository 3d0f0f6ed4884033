// Across-subject inference on RDM similarities (the paper's Fig. 4 and ED9 marks): for each model
// (feature class) its subjects' WUCs are tested with one-sided t-tests (df = subjects - 1)
//   - above zero ("dew drops"): mean WUC > 0, Bonferroni over models;
//   - below the noise ceiling ("icicles"): paired, each subject's lower bound (its WUC with the
//     pool of the other subjects) > the model's WUC for that subject, Bonferroni over models;
//   - between models: for every ordered pair (i, j), paired test that model i > model j,
//     Benjamini-Hochberg over all ordered pairs.
#ifndef MIMIC_ANALYSIS_RSA_INFERENCE_H_
#define MIMIC_ANALYSIS_RSA_INFERENCE_H_

#include <vector>

#include <Eigen/Dense>

#include "absl/status/statusor.h"

namespace mimic::analysis {

struct RsaInferenceOptions {
  double alpha = 0.05;  // family-wise, Bonferroni (zero and ceiling tests)
  double fdr = 0.05;    // Benjamini-Hochberg (pairwise tests)
};

struct RsaInference {
  std::vector<double> mean, sem;                           // per model, across subjects
  std::vector<double> p_above_zero, p_above_zero_corrected;  // Bonferroni-corrected
  std::vector<bool> above_zero;
  std::vector<double> p_below_ceiling, p_below_ceiling_corrected;
  std::vector<bool> below_ceiling;
  Eigen::MatrixXd p_greater;                   // (models x models): p that row > column; NaN on the diagonal
  std::vector<std::vector<bool>> greater;      // BH-significant, row > column
};

// `wuc` is (models x subjects); `ceiling_lower` the per-subject lower bounds (may be empty: no
// ceiling tests). At least 2 subjects.
absl::StatusOr<RsaInference> CompareAcrossSubjects(const std::vector<std::vector<double>>& wuc,
                                                   const std::vector<double>& ceiling_lower,
                                                   const RsaInferenceOptions& options = {});

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_RSA_INFERENCE_H_
