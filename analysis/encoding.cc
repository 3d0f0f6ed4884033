#include "analysis/encoding.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "analysis/statistics.h"

namespace mimic::analysis {

absl::StatusOr<std::vector<NeuronEncoding>> RunEncoding(const std::vector<FeatureClass>& classes,
                                                        const Eigen::MatrixXd& counts, const EncodingOptions& options) {
  if (classes.empty()) return absl::InvalidArgumentError("no feature classes");
  for (const FeatureClass& c : classes) {
    if (c.features.rows() != counts.rows()) {
      return absl::InvalidArgumentError(absl::StrCat("feature class '", c.name, "' has ", c.features.rows(),
                                                     " bins, the spike counts ", counts.rows()));
    }
  }
  if (options.lags.empty()) return absl::InvalidArgumentError("no lags");
  if (!counts.allFinite()) return absl::InvalidArgumentError("the spike counts hold NaN or infinite values");
  for (const FeatureClass& c : classes) {
    if (!c.features.allFinite()) {
      return absl::InvalidArgumentError(absl::StrCat("feature class '", c.name, "' holds NaN or infinite values"));
    }
  }
  if (options.select_ridge && (options.ridge_grid.empty() || options.inner_folds < 2)) {
    return absl::InvalidArgumentError("ridge selection needs a non-empty grid and at least 2 inner folds");
  }
  GlmOptions glm = options.glm;
  glm.standardize = options.standardize;
  // the all-bins fits use features z-scored over all bins, once per class
  std::vector<Eigen::MatrixXd> standardized;
  if (options.coefficients) {
    for (const FeatureClass& c : classes) {
      standardized.push_back(options.standardize ? Standardize(c.features, StandardizationOf(c.features)) : c.features);
    }
  }
  std::vector<NeuronEncoding> out(counts.cols());
  std::vector<double> p_values;
  for (Eigen::Index n = 0; n < counts.cols(); ++n) {
    for (size_t k = 0; k < classes.size(); ++k) {
      const FeatureClass& c = classes[k];
      ClassResult best;
      bool first = true;
      for (int lag : options.lags) {
        Eigen::MatrixXd x;
        Eigen::VectorXd y;
        ApplyLag(c.features, counts.col(n), lag, &x, &y);
        auto score = CrossValidate(x, y, options.folds, glm);
        if (!score.ok()) {
          return absl::Status(score.status().code(), absl::StrCat("neuron ", n, ", class '", c.name, "', lag ", lag, ": ",
                                                                  score.status().message()));
        }
        if (first || score->cv_llr_bits_per_spike > best.score.cv_llr_bits_per_spike) {
          best.score = *score;
          best.best_lag = lag;
          first = false;
        }
      }
      auto context = [&](const absl::Status& s) {
        return absl::Status(s.code(), absl::StrCat("neuron ", n, ", class '", c.name, "': ", s.message()));
      };
      best.ridge = glm.ridge;
      if (options.select_ridge) {
        Eigen::MatrixXd x;
        Eigen::VectorXd y;
        ApplyLag(c.features, counts.col(n), best.best_lag, &x, &y);
        auto nested = CrossValidateSelectingRidge(x, y, options.folds, options.ridge_grid, options.inner_folds, glm);
        if (!nested.ok()) return context(nested.status());
        best.score = *std::move(nested);
        double log_sum = 0;
        for (double r : best.score.fold_ridge) log_sum += std::log(std::max(r, 1e-12));
        best.ridge = std::exp(log_sum / best.score.fold_ridge.size());
      }
      if (options.coefficients) {
        GlmOptions fit_options = glm;
        fit_options.ridge = best.ridge;
        fit_options.standard_errors = true;
        for (int lag : options.lags) {
          Eigen::MatrixXd x;
          Eigen::VectorXd y;
          ApplyLag(standardized[k], counts.col(n), lag, &x, &y);
          auto fit = FitPoissonGlm(x, y, fit_options);
          if (!fit.ok()) return context(fit.status());
          fit_options.initial_intercept = fit->intercept;  // neighbouring lags start from each other
          fit_options.initial_weights = fit->weights;
          best.fits.push_back({lag, fit->intercept, fit->intercept_se, fit->weights, fit->weight_se});
        }
      }
      best.p_value = WilcoxonSignedRankGreater(best.score.fold_llr);
      p_values.push_back(best.p_value);
      out[n].classes.push_back(best);
    }
    if (options.on_neuron && !options.on_neuron(static_cast<int>(n) + 1, static_cast<int>(counts.cols()))) {
      return absl::CancelledError(absl::StrCat("cancelled after ", n + 1, " of ", counts.cols(), " neurons"));
    }
  }
  const std::vector<bool> reject = BenjaminiHochberg(p_values, options.fdr);
  size_t i = 0;
  for (NeuronEncoding& neuron : out) {
    double best = -1e300;
    for (size_t c = 0; c < neuron.classes.size(); ++c, ++i) {
      ClassResult& r = neuron.classes[c];
      r.significant = reject[i] && r.score.cv_llr_bits_per_spike > 0;
      if (r.significant && r.score.cv_llr_bits_per_spike > best) {
        best = r.score.cv_llr_bits_per_spike;
        neuron.best_class = static_cast<int>(c);
      }
    }
  }
  return out;
}

}  // namespace mimic::analysis
