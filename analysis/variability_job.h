// The latent-variability analyses as one job: read a rollouts file with latent resamples, label
// behaviours (a label file or the kinematic rules), analyse, and write results HDF5 and an SVG figure.
// Used by `mimic analysis variability` and the analysis service.
#ifndef MIMIC_ANALYSIS_VARIABILITY_JOB_H_
#define MIMIC_ANALYSIS_VARIABILITY_JOB_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "analysis/latent_variability.h"
#include "analysis/neural_variability.h"

namespace mimic::analysis {

struct VariabilityJobInputs {
  std::string rollouts;
  std::string labels;  // empty: kinematic rules; a CSV, or a behaviour map (map.h5[:clusters])
  VariabilityOptions options;
  // Optional spike counts (frames x neurons, CSV or HDF5) row-aligned with the rollouts: the
  // neurons' trial-to-trial variability per behaviour beside the latent and action variability.
  std::string counts;
  NeuralVariabilityOptions neural;
  std::string out;     // empty: no files
};

struct VariabilityJobOutcome {
  VariabilityResult result;
  int frames = 0;
  int samples = 0;
  bool kinematic_labels = true;
  // with counts: behaviours kept by both analyses, their mean neural Fano factor, mean latent and
  // action std, and the correlations across behaviours (one-sided permutation tests)
  bool neural = false;
  NeuralVariability neural_result;
  std::vector<std::string> compared_behaviours;
  std::vector<double> neural_fano, latent_std, action_std;
  CorrelationTest latent_vs_neural, action_vs_neural;
  std::string figure;
  std::string json;
};

absl::StatusOr<VariabilityJobOutcome> RunVariabilityJob(const VariabilityJobInputs& inputs,
                                                        const std::function<void(const std::string&, double)>& progress);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_VARIABILITY_JOB_H_
