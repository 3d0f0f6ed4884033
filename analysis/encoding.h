// Encoding analysis: for every neuron, Poisson GLMs on each feature class over a range of time
// lags; the best lag per class by CV log-likelihood ratio; significance of each class by a
// one-sided Wilcoxon signed-rank test on the best lag's per-fold LLRs, Benjamini-Hochberg across
// all (neuron, class) tests; and the best significant class per neuron.
#ifndef MIMIC_ANALYSIS_ENCODING_H_
#define MIMIC_ANALYSIS_ENCODING_H_

#include <functional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "absl/status/statusor.h"
#include "analysis/poisson_glm.h"

namespace mimic::analysis {

struct FeatureClass {
  std::string name;
  Eigen::MatrixXd features;  // (bins x dims)
};

struct EncodingOptions {
  std::vector<int> lags = {0};  // in bins
  // The exact Wilcoxon test over k folds cannot give p < 2^-k: with 5 folds the smallest p is
  // 0.03, which Benjamini-Hochberg rarely rejects. 10 folds allow p ~ 0.001.
  int folds = 10;
  GlmOptions glm;
  double fdr = 0.05;
  // Called after each neuron with (done, total); returning false cancels (CANCELLED).
  std::function<bool(int, int)> on_neuron;
};

struct ClassResult {
  int best_lag = 0;
  CvScore score;
  double p_value = 1;
  bool significant = false;
};

struct NeuronEncoding {
  std::vector<ClassResult> classes;  // in FeatureClass order
  int best_class = -1;               // among significant classes; -1 when none is
};

// `counts` is (bins x neurons).
absl::StatusOr<std::vector<NeuronEncoding>> RunEncoding(const std::vector<FeatureClass>& classes,
                                                        const Eigen::MatrixXd& counts, const EncodingOptions& options);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_ENCODING_H_
