#include "analysis/poisson_glm.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "absl/strings/str_cat.h"

// BLAS (OpenBLAS here, whose kernels are chosen for this CPU at run time; Eigen's own are built for
// baseline x86-64): the symmetric rank-k update C := alpha·Aᵀ·A + beta·C (lower triangle) and the
// matrix-vector product y := alpha·op(A)·x + beta·y.
extern "C" void dsyrk_(const char* uplo, const char* trans, const int* n, const int* k, const double* alpha,
                       const double* a, const int* lda, const double* beta, double* c, const int* ldc);
extern "C" void dgemv_(const char* trans, const int* m, const int* n, const double* alpha, const double* a,
                       const int* lda, const double* x, const int* incx, const double* beta, double* y,
                       const int* incy);

namespace mimic::analysis {
namespace {

// aᵀa (a: rows x cols, column-major) into `out`, both triangles.
void Gram(const Eigen::MatrixXd& a, Eigen::MatrixXd* out) {
  const int n = static_cast<int>(a.cols()), k = static_cast<int>(a.rows()), lda = std::max(1, k);
  const double one = 1, zero = 0;
  out->resize(n, n);
  dsyrk_("L", "T", &n, &k, &one, a.data(), &lda, &zero, out->data(), &n);
  *out = out->selfadjointView<Eigen::Lower>();
}

// a·v (transpose = false) or aᵀ·v into `out`.
void MatVec(const Eigen::MatrixXd& a, const Eigen::VectorXd& v, bool transpose, Eigen::VectorXd* out) {
  const int m = static_cast<int>(a.rows()), n = static_cast<int>(a.cols()), lda = std::max(1, m), one_step = 1;
  const double one = 1, zero = 0;
  out->resize(transpose ? n : m);
  if (m == 0 || n == 0) {
    out->setZero();
    return;
  }
  dgemv_(transpose ? "T" : "N", &m, &n, &one, a.data(), &lda, v.data(), &one_step, &zero, out->data(), &one_step);
}

// Penalised negative log-likelihood (without the constant log y! terms).
double Objective(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, double b0, const Eigen::VectorXd& w, double ridge,
                 Eigen::VectorXd* eta_out = nullptr) {
  Eigen::VectorXd eta;
  MatVec(x, w, /*transpose=*/false, &eta);
  eta.array() += b0;
  double value = (eta.array().exp() - y.array() * eta.array()).sum() + 0.5 * ridge * w.squaredNorm();
  if (eta_out) *eta_out = std::move(eta);
  return value;
}

}  // namespace

double PoissonLogLikelihood(const Eigen::VectorXd& y, const Eigen::VectorXd& mu) {
  double ll = 0;
  for (Eigen::Index t = 0; t < y.size(); ++t) ll += y(t) * std::log(mu(t)) - mu(t) - std::lgamma(y(t) + 1);
  return ll;
}

double PoissonDeviance(const Eigen::VectorXd& y, const Eigen::VectorXd& mu) {
  double d = 0;
  for (Eigen::Index t = 0; t < y.size(); ++t) d += (y(t) > 0 ? y(t) * std::log(y(t) / mu(t)) : 0.0) - (y(t) - mu(t));
  return 2 * d;
}

absl::StatusOr<GlmFit> FitPoissonGlm(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const GlmOptions& options) {
  const Eigen::Index n = x.rows(), p = x.cols();
  if (y.size() != n) return absl::InvalidArgumentError(absl::StrCat("design has ", n, " rows, counts ", y.size()));
  if (n == 0) return absl::InvalidArgumentError("no time bins");
  if (!x.allFinite()) return absl::InvalidArgumentError("the design matrix holds NaN or Inf");
  if (!y.allFinite() || (y.array() < 0).any()) return absl::InvalidArgumentError("counts must be finite and >= 0");
  if (!(options.ridge >= 0)) return absl::InvalidArgumentError("ridge must be >= 0");
  const double mean = y.mean();
  if (mean <= 0) return absl::InvalidArgumentError("no spikes: the rate is zero");
  GlmFit fit;
  double b0 = std::log(mean);
  Eigen::VectorXd w = Eigen::VectorXd::Zero(p);
  if (options.initial_weights.size() == p && p > 0 && options.initial_weights.allFinite() &&
      std::isfinite(options.initial_intercept)) {
    b0 = options.initial_intercept;
    w = options.initial_weights;
  }
  Eigen::VectorXd eta;
  double objective = Objective(x, y, b0, w, options.ridge, &eta);
  Eigen::MatrixXd xa(n, p + 1);  // [1, x]
  xa.col(0).setOnes();
  xa.rightCols(p) = x;
  Eigen::MatrixXd weighted(n, p + 1);
  Eigen::LDLT<Eigen::MatrixXd> factor;
  // Near the optimum the Hessian hardly changes between steps: the polishing steps reuse the last
  // factorisation (a chord method: each costs two matrix-vector products instead of an O(n p^2)
  // Hessian) and converge to the same point, the gradient being exact.
  bool reuse_hessian = false;
  double last_decrement = std::numeric_limits<double>::infinity();
  for (int it = 0; it < options.max_iterations; ++it) {
    const Eigen::VectorXd mu = eta.array().exp();
    // gradient and Hessian of the penalised objective in (b0, w)
    Eigen::VectorXd grad;
    MatVec(xa, mu - y, /*transpose=*/true, &grad);
    grad.tail(p) += options.ridge * w;
    if (!reuse_hessian) {
      // X' diag(mu) X: a rank-k update of sqrt(mu)-scaled rows, half the flops of a product (the
      // square roots taken once: inside the scaling expression they would be taken p+1 times per bin)
      const Eigen::ArrayXd sqrt_mu = mu.array().sqrt();
      weighted = xa.array().colwise() * sqrt_mu;
      Eigen::MatrixXd hess;
      Gram(weighted, &hess);
      hess.diagonal().tail(p).array() += options.ridge;
      hess.diagonal().array() += 1e-12;
      factor.compute(hess);
    }
    const Eigen::VectorXd step = factor.solve(grad);
    const double decrement = grad.dot(step);
    fit.iterations = it + 1;
    if (decrement < options.tolerance) {
      fit.converged = true;
      break;
    }
    if (reuse_hessian && !(decrement < 0.5 * last_decrement)) {
      // the old Hessian no longer contracts well enough: take a fresh one for this step
      reuse_hessian = false;
      last_decrement = std::numeric_limits<double>::infinity();
      --it;
      continue;
    }
    last_decrement = decrement;
    if (decrement < 1e-8) {
      // in the quadratic region the full Newton step is exact to rounding; a line search would
      // only compare objectives that differ below double precision
      b0 -= step(0);
      w -= step.tail(p);
      objective = Objective(x, y, b0, w, options.ridge, &eta);
      reuse_hessian = true;
      if (step.norm() < 1e-12 * (1.0 + std::abs(b0) + w.norm())) {
        fit.converged = true;
        break;
      }
      continue;
    }
    // step halving keeps every iteration a descent
    double scale = 1.0;
    double new_b0 = b0, new_objective = objective;
    Eigen::VectorXd new_w = w, new_eta;
    for (int h = 0; h < 30; ++h, scale *= 0.5) {
      new_b0 = b0 - scale * step(0);
      new_w = w - scale * step.tail(p);
      new_objective = Objective(x, y, new_b0, new_w, options.ridge, &new_eta);
      if (std::isfinite(new_objective) && new_objective <= objective) break;
    }
    if (!(new_objective <= objective)) break;
    b0 = new_b0;
    w = new_w;
    eta = new_eta;
    objective = new_objective;
  }
  fit.intercept = b0;
  fit.weights = w;
  fit.log_likelihood = PoissonLogLikelihood(y, eta.array().exp());
  if (options.standard_errors) {
    // inverse penalised Fisher information at the optimum: (X_a' diag(mu) X_a + R)^-1, R = ridge on the weights
    const Eigen::VectorXd mu = eta.array().exp();
    weighted = xa.array().colwise() * mu.array().sqrt();
    Eigen::MatrixXd info;
    Gram(weighted, &info);
    info.diagonal().tail(p).array() += options.ridge;
    const Eigen::MatrixXd covariance = info.ldlt().solve(Eigen::MatrixXd::Identity(p + 1, p + 1));
    const Eigen::VectorXd se = covariance.diagonal().cwiseMax(0.0).cwiseSqrt();
    fit.intercept_se = se(0);
    fit.weight_se = se.tail(p);
  }
  return fit;
}

Standardization StandardizationOf(const Eigen::MatrixXd& x) {
  Standardization s;
  const Eigen::Index n = x.rows();
  s.mean = n > 0 ? Eigen::RowVectorXd(x.colwise().mean()) : Eigen::RowVectorXd::Zero(x.cols());
  s.scale = Eigen::RowVectorXd::Ones(x.cols());
  if (n > 1) {
    const Eigen::RowVectorXd var = (x.rowwise() - s.mean).array().square().colwise().sum() / (n - 1);
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      if (var(j) > 1e-24 * (1 + s.mean(j) * s.mean(j))) s.scale(j) = std::sqrt(var(j));
    }
  }
  return s;
}

Eigen::MatrixXd Standardize(const Eigen::MatrixXd& x, const Standardization& s) {
  Eigen::MatrixXd out = (x.rowwise() - s.mean).array().rowwise() / s.scale.array();
  // constant columns carry no information: zero rather than rounding noise
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    if (s.scale(j) == 1.0 && ((x.col(j).array() - s.mean(j)).abs() < 1e-12 * (1 + std::abs(s.mean(j)))).all()) {
      out.col(j).setZero();
    }
  }
  return out;
}

namespace {

// Blocked k-fold CV; `choose_ridge` (when given) picks each fold's penalty from its training bins.
// `warm`, when given, receives the first fold's solution as its starting point for a next call.
absl::StatusOr<CvScore> RunFolds(
    const Eigen::MatrixXd& x, const Eigen::VectorXd& y, int folds, const GlmOptions& options,
    const std::function<absl::StatusOr<double>(const Eigen::MatrixXd&, const Eigen::VectorXd&)>& choose_ridge,
    GlmOptions* warm = nullptr) {
  const Eigen::Index n = x.rows(), p = x.cols();
  if (folds < 2 || folds > n) return absl::InvalidArgumentError(absl::StrCat("folds must be in [2, bins], got ", folds));
  CvScore score;
  score.folds = folds;
  GlmOptions fold_options = options;  // each fold starts from the previous fold's solution
  double ll_model = 0, ll_null = 0, dev_model = 0, dev_null = 0, spikes = 0;
  for (int f = 0; f < folds; ++f) {
    const Eigen::Index begin = n * f / folds, end = n * (f + 1) / folds;
    const Eigen::Index test_n = end - begin, train_n = n - test_n;
    Eigen::MatrixXd x_train(train_n, p);
    Eigen::VectorXd y_train(train_n);
    x_train.topRows(begin) = x.topRows(begin);
    x_train.bottomRows(n - end) = x.bottomRows(n - end);
    y_train.head(begin) = y.head(begin);
    y_train.tail(n - end) = y.tail(n - end);
    Eigen::MatrixXd x_test = x.middleRows(begin, test_n);
    if (choose_ridge) {
      // the choice sees only this fold's training bins
      const absl::StatusOr<double> ridge = choose_ridge(x_train, y_train);
      if (!ridge.ok()) return ridge.status();
      fold_options.ridge = *ridge;
    }
    if (options.standardize) {
      const Standardization s = StandardizationOf(x_train);
      x_train = Standardize(x_train, s);
      x_test = Standardize(x_test, s);
    }
    auto fit = FitPoissonGlm(x_train, y_train, fold_options);
    if (!fit.ok()) return fit.status();
    fold_options.initial_intercept = fit->intercept;
    fold_options.initial_weights = fit->weights;
    if (warm != nullptr && f == 0) {
      warm->initial_intercept = fit->intercept;
      warm->initial_weights = fit->weights;
    }
    score.fold_ridge.push_back(fold_options.ridge);
    const Eigen::VectorXd y_test = y.segment(begin, test_n);
    const Eigen::VectorXd mu = ((x_test * fit->weights).array() + fit->intercept).exp();
    const Eigen::VectorXd mu_null = Eigen::VectorXd::Constant(test_n, y_train.mean());
    const double fold_model = PoissonLogLikelihood(y_test, mu), fold_null = PoissonLogLikelihood(y_test, mu_null);
    const double fold_spikes = y_test.sum();
    score.fold_llr.push_back(fold_spikes > 0 ? (fold_model - fold_null) / (fold_spikes * std::log(2.0)) : 0.0);
    ll_model += fold_model;
    ll_null += fold_null;
    dev_model += PoissonDeviance(y_test, mu);
    dev_null += PoissonDeviance(y_test, mu_null);
    spikes += fold_spikes;
  }
  score.cv_llr_bits_per_spike = spikes > 0 ? (ll_model - ll_null) / (spikes * std::log(2.0)) : 0.0;
  score.pseudo_r2 = dev_null > 0 ? 1 - dev_model / dev_null : 0.0;
  return score;
}

}  // namespace

absl::StatusOr<CvScore> CrossValidate(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, int folds,
                                      const GlmOptions& options) {
  return RunFolds(x, y, folds, options, nullptr);
}

absl::StatusOr<double> SelectRidge(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const std::vector<double>& grid,
                                   int folds, const GlmOptions& options) {
  if (grid.empty()) return absl::InvalidArgumentError("empty ridge grid");
  for (double ridge : grid) {
    if (!(ridge >= 0) || !std::isfinite(ridge)) return absl::InvalidArgumentError(absl::StrCat("ridge ", ridge, " in the grid"));
  }
  // from the heaviest penalty down: each solution is a close start for the next, lighter one
  std::vector<double> order = grid;
  std::sort(order.begin(), order.end(), std::greater<double>());
  double best_ridge = order.front(), best = -std::numeric_limits<double>::infinity();
  GlmOptions o = options;
  for (double ridge : order) {
    o.ridge = ridge;
    auto score = RunFolds(x, y, folds, o, nullptr, &o);
    if (!score.ok()) return score.status();
    // same null model and spikes for every penalty: the LLR ranks the held-out log-likelihoods;
    // ties keep the heavier penalty (seen first)
    if (score->cv_llr_bits_per_spike > best) {
      best = score->cv_llr_bits_per_spike;
      best_ridge = ridge;
    }
  }
  return best_ridge;
}

absl::StatusOr<CvScore> CrossValidateSelectingRidge(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, int folds,
                                                    const std::vector<double>& grid, int inner_folds,
                                                    const GlmOptions& options) {
  if (inner_folds < 2) return absl::InvalidArgumentError("inner folds must be at least 2");
  return RunFolds(x, y, folds, options, [&](const Eigen::MatrixXd& x_train, const Eigen::VectorXd& y_train) {
    return SelectRidge(x_train, y_train, grid, inner_folds, options);
  });
}

void ApplyLag(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, int lag, Eigen::MatrixXd* x_out, Eigen::VectorXd* y_out) {
  const Eigen::Index n = x.rows();
  // y[t] pairs with x[t + lag] for t in [max(0, -lag), min(n, n - lag))
  const Eigen::Index t0 = std::max<Eigen::Index>(0, -lag), t1 = std::min<Eigen::Index>(n, n - lag);
  const Eigen::Index m = std::max<Eigen::Index>(0, t1 - t0);
  *x_out = x.middleRows(t0 + lag, m);
  *y_out = y.segment(t0, m);
}

}  // namespace mimic::analysis
