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
  std::string source;        // where the class came from, for results (empty: unknown)
};

struct EncodingOptions {
  std::vector<int> lags = {0};  // in bins
  // The exact Wilcoxon test over k folds cannot give p < 2^-k: with 5 folds the smallest p is
  // 0.03, which Benjamini-Hochberg rarely rejects. 10 folds allow p ~ 0.001.
  int folds = 10;
  // glm.ridge is the penalty when select_ridge is false, and the one the best lag is chosen with
  // when it is true. Features are z-scored (per training fold) so the penalty treats them alike.
  GlmOptions glm;
  bool standardize = true;
  // Penalty chosen per neuron and class by nested CV at the best lag: in each outer fold, from
  // ridge_grid by inner_folds-fold CV on that fold's training bins (poisson_glm.h).
  bool select_ridge = true;
  std::vector<double> ridge_grid = {0.1, 1, 10, 100, 1000};
  int inner_folds = 3;
  // Fit every lag on all bins (features z-scored over all bins) for coefficients and standard errors.
  bool coefficients = true;
  double fdr = 0.05;
  // Called after each neuron with (done, total); returning false cancels (CANCELLED).
  std::function<bool(int, int)> on_neuron;
};

// One GLM fitted on all bins at one lag: weights on the z-scored features, with standard errors
// from the inverse penalised Fisher information.
struct LagFit {
  int lag = 0;
  double intercept = 0, intercept_se = 0;
  Eigen::VectorXd weights, weight_se;  // (dims)
};

struct ClassResult {
  int best_lag = 0;
  CvScore score;  // at the best lag (nested CV when the ridge is selected)
  double p_value = 1;
  bool significant = false;
  // The penalty of the all-bins fits: the given one, or the geometric mean of the outer folds' choices.
  double ridge = 0;
  std::vector<LagFit> fits;  // per options.lags, when options.coefficients
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
