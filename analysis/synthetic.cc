#include "analysis/synthetic.h"

#include <cmath>
#include <random>

namespace mimic::analysis {
namespace {
void PlantOn(SynthSession& s, const SynthOptions& o, std::mt19937_64& rng,
             std::normal_distribution<double>& normal);
}  // namespace

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
  PlantOn(s, o, rng, normal);
  return s;
}

SynthSession PlantNeurons(std::vector<FeatureClass> classes, const SynthOptions& o) {
  std::mt19937_64 rng(o.seed);
  SynthSession s;
  for (FeatureClass& c : classes) {
    Eigen::RowVectorXd mean = c.features.colwise().mean();
    c.features.rowwise() -= mean;
    Eigen::RowVectorXd sd = (c.features.array().square().colwise().sum() /
                             std::max<Eigen::Index>(1, c.features.rows() - 1)).sqrt();
    for (Eigen::Index j = 0; j < sd.size(); ++j) {
      if (sd(j) > 1e-12) c.features.col(j) /= sd(j);
    }
  }
  s.classes = std::move(classes);
  std::normal_distribution<double> normal(0, 1);
  PlantOn(s, o, rng, normal);
  return s;
}

namespace {

// Draws each neuron's class, lag and weights, then its Poisson counts (shared by both entry points;
// the caller's distribution keeps the random sequence of MakeSyntheticSession unchanged).
void PlantOn(SynthSession& s, const SynthOptions& o, std::mt19937_64& rng,
             std::normal_distribution<double>& normal) {
  const int bins = static_cast<int>(s.classes.front().features.rows());
  const int classes = static_cast<int>(s.classes.size());
  const int neurons = classes * o.tuned_per_class + o.untuned;
  s.counts.resize(bins, neurons);
  std::uniform_int_distribution<size_t> pick_lag(0, o.lags.size() - 1);
  for (int n = 0; n < neurons; ++n) {
    const int c = n < classes * o.tuned_per_class ? n / o.tuned_per_class : -1;
    const int lag = c >= 0 ? o.lags[pick_lag(rng)] : 0;
    s.true_class.push_back(c);
    s.true_lag.push_back(lag);
    const Eigen::Index dims = c >= 0 ? s.classes[c].features.cols() : 0;
    Eigen::VectorXd w = Eigen::VectorXd::Zero(dims);
    if (c >= 0) {
      for (Eigen::Index d = 0; d < dims; ++d) w(d) = normal(rng);
      w *= o.gain / w.norm();
    }
    s.true_weights.push_back(w);
    for (int t = 0; t < bins; ++t) {
      // y[t] is driven by x[t + lag] (the convention of ApplyLag); outside the session, no drive
      double eta = o.baseline;
      const int source = t + lag;
      if (c >= 0 && source >= 0 && source < bins) eta += s.classes[c].features.row(source).dot(w);
      s.counts(t, n) = std::poisson_distribution<int>(std::exp(eta))(rng);
    }
  }
}

}  // namespace

}  // namespace mimic::analysis
