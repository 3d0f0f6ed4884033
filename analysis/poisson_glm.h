// Poisson GLM with a log link and a ridge penalty on the weights (the intercept is not
// penalised), fitted by Newton's method (IRLS) with step halving; blocked k-fold
// cross-validation over time; scores against a mean-rate model.
//
//   minimise  sum_t [exp(b0 + x_t.w) - y_t (b0 + x_t.w)] + (ridge / 2) |w|^2
//
// Scores (per neuron, over held-out folds):
//   cv_llr_bits_per_spike = (LL_model - LL_mean_rate) / (spikes * ln 2)
//   pseudo_r2             = 1 - D_model / D_mean_rate      (Poisson deviance ratio)
// The mean-rate model of each fold is the training folds' mean count.
#ifndef MIMIC_ANALYSIS_POISSON_GLM_H_
#define MIMIC_ANALYSIS_POISSON_GLM_H_

#include <vector>

#include <Eigen/Dense>

#include "absl/status/statusor.h"

namespace mimic::analysis {

struct GlmOptions {
  double ridge = 1.0;         // penalty on the weights (not the intercept)
  int max_iterations = 100;
  double tolerance = 1e-20;
  // CrossValidate: z-score the features with each fold's training mean and std before fitting,
  // so the ridge penalises every feature on the same scale (constant columns become zero).
  bool standardize = false;
  // FitPoissonGlm: also return standard errors from the inverse of the penalised Hessian
  // (the penalised Fisher information X'diag(mu)X + ridge I at the optimum).
  bool standard_errors = false;
  // Optional starting point (e.g. a neighbouring fold's solution); empty = the mean-rate model.
  double initial_intercept = 0;
  Eigen::VectorXd initial_weights;   // stop when the Newton decrement falls below this (quadratic convergence makes it cheap)
};

struct GlmFit {
  double intercept = 0;
  Eigen::VectorXd weights;    // (p)
  double intercept_se = 0;    // with options.standard_errors
  Eigen::VectorXd weight_se;  // (p), with options.standard_errors
  double log_likelihood = 0;  // on the fitted data (full Poisson LL, with log y!)
  int iterations = 0;
  bool converged = false;
};

// Rows of `x` are time bins; `y` are spike counts (>= 0, finite).
absl::StatusOr<GlmFit> FitPoissonGlm(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const GlmOptions& options = {});

// Full Poisson log-likelihood of counts `y` under rates `mu`.
double PoissonLogLikelihood(const Eigen::VectorXd& y, const Eigen::VectorXd& mu);
// Poisson deviance 2 sum [y log(y/mu) - (y - mu)].
double PoissonDeviance(const Eigen::VectorXd& y, const Eigen::VectorXd& mu);

struct CvScore {
  double cv_llr_bits_per_spike = 0;
  double pseudo_r2 = 0;
  std::vector<double> fold_llr;  // per fold, bits per spike (for significance tests)
  int folds = 0;
  std::vector<double> fold_ridge;  // the penalty each fold used (chosen by inner CV, or the given one)
};

// Blocked k-fold cross-validation: fold f holds out the f-th contiguous block of bins.
absl::StatusOr<CvScore> CrossValidate(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, int folds,
                                      const GlmOptions& options = {});

// Nested cross-validation: in each outer fold the ridge is chosen from `grid` by `inner_folds`-fold
// blocked CV on that fold's training bins only (highest held-out log-likelihood; ties take the
// larger penalty), then the fold is fitted and scored with it. The test fold never sees the choice.
absl::StatusOr<CvScore> CrossValidateSelectingRidge(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, int folds,
                                                    const std::vector<double>& grid, int inner_folds,
                                                    const GlmOptions& options = {});

// The penalty from `grid` with the best `folds`-fold CV log-likelihood on (x, y).
absl::StatusOr<double> SelectRidge(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const std::vector<double>& grid,
                                   int folds, const GlmOptions& options = {});

// Column means and standard deviations (1 for constant columns), and their application.
struct Standardization {
  Eigen::RowVectorXd mean, scale;
};
Standardization StandardizationOf(const Eigen::MatrixXd& x);
Eigen::MatrixXd Standardize(const Eigen::MatrixXd& x, const Standardization& s);

// Shifts features against counts: row t of the result pairs x[t + lag] with y[t], over the bins
// where both exist (negative lags: future features explain present spikes, i.e. premotor).
void ApplyLag(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, int lag, Eigen::MatrixXd* x_out, Eigen::VectorXd* y_out);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_POISSON_GLM_H_
