// Synthetic sessions with planted structure, for testing recovery: smooth feature classes
// (AR(1) Gaussian processes) and Poisson neurons each driven by one class at one lag, plus
// untuned neurons firing at a constant rate.
#ifndef MIMIC_ANALYSIS_SYNTHETIC_H_
#define MIMIC_ANALYSIS_SYNTHETIC_H_

#include <cstdint>
#include <vector>

#include "analysis/encoding.h"

namespace mimic::analysis {

struct SynthOptions {
  int bins = 6000;
  std::vector<std::string> class_names = {"joint_angles", "latent"};
  int dims_per_class = 6;
  int tuned_per_class = 10;
  int untuned = 10;
  std::vector<int> lags = {-10, -5, 0, 5};  // planted lags are drawn from these (bins)
  double smoothness = 0.95;                 // AR(1) coefficient of the features
  double baseline = -1.5;                   // log rate per bin
  double gain = 0.7;                        // tuning strength (log-rate per unit feature)
  uint64_t seed = 1;
};

struct SynthSession {
  std::vector<FeatureClass> classes;
  Eigen::MatrixXd counts;      // (bins x neurons)
  std::vector<int> true_class;  // per neuron; -1 for untuned
  std::vector<int> true_lag;    // per neuron (0 for untuned)
  std::vector<Eigen::VectorXd> true_weights;  // per neuron, on its class's features (empty for untuned)
};

SynthSession MakeSyntheticSession(const SynthOptions& options);

// Plants Poisson neurons on given feature classes (e.g. a rollouts file's layers): each class's
// columns are standardised, then `tuned_per_class` neurons per class and `untuned` ones are drawn
// as in MakeSyntheticSession (class_names, dims_per_class and smoothness are not used).
SynthSession PlantNeurons(std::vector<FeatureClass> classes, const SynthOptions& options);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_SYNTHETIC_H_
