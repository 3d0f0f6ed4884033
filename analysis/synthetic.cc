#include "analysis/synthetic.h"

#include <cmath>
#include <random>

namespace mimic::analysis {

SynthSession MakeSyntheticSession(const SynthOptions& o) {
  std::mt19937_64 rng(o.seed);
  std::normal_distribution<double> normal(0, 1);
  SynthSession s;
  const double innovation = std::sqrt(1 - o.smoothness * o.smoothness);  // unit stationary variance
  for (const std::string& name : o.class_names) {
    FeatureClass c{name, Eigen::MatrixXd(o.bins, o.dims_per_class)};
    for (int d = 0; d < o.dims_per_class; ++d) {
      double v = normal(rng);
      for (int t = 0; t < o.bins; ++t) {
        v = o.smoothness * v + innovation * normal(rng);
        c.features(t, d) = v;
      }
    }
    s.classes.push_back(std::move(c));
  }
  const int classes = static_cast<int>(o.class_names.size());
  const int neurons = classes * o.tuned_per_class + o.untuned;
  s.counts.resize(o.bins, neurons);
  std::uniform_int_distribution<size_t> pick_lag(0, o.lags.size() - 1);
  for (int n = 0; n < neurons; ++n) {
    const int c = n < classes * o.tuned_per_class ? n / o.tuned_per_class : -1;
    const int lag = c >= 0 ? o.lags[pick_lag(rng)] : 0;
    s.true_class.push_back(c);
    s.true_lag.push_back(lag);
    Eigen::VectorXd w = Eigen::VectorXd::Zero(o.dims_per_class);
    if (c >= 0) {
      for (int d = 0; d < o.dims_per_class; ++d) w(d) = normal(rng);
      w *= o.gain / w.norm();
    }
    for (int t = 0; t < o.bins; ++t) {
      // y[t] is driven by x[t + lag] (the convention of ApplyLag); outside the session, no drive
      double eta = o.baseline;
      const int source = t + lag;
      if (c >= 0 && source >= 0 && source < o.bins) eta += s.classes[c].features.row(source).dot(w);
      s.counts(t, n) = std::poisson_distribution<int>(std::exp(eta))(rng);
    }
  }
  return s;
}

}  // namespace mimic::analysis
