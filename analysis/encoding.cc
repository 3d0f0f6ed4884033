#include "analysis/encoding.h"

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
  std::vector<NeuronEncoding> out(counts.cols());
  std::vector<double> p_values;
  for (Eigen::Index n = 0; n < counts.cols(); ++n) {
    for (const FeatureClass& c : classes) {
      ClassResult best;
      bool first = true;
      for (int lag : options.lags) {
        Eigen::MatrixXd x;
        Eigen::VectorXd y;
        ApplyLag(c.features, counts.col(n), lag, &x, &y);
        auto score = CrossValidate(x, y, options.folds, options.glm);
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
