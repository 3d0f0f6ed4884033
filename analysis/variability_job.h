// The latent-variability analyses as one job: read a rollouts file with latent resamples, label
// behaviours (a label file or the kinematic rules), analyse, and write results HDF5 and an SVG figure.
// Used by `mimic analysis variability` and the analysis service.
#ifndef MIMIC_ANALYSIS_VARIABILITY_JOB_H_
#define MIMIC_ANALYSIS_VARIABILITY_JOB_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "analysis/latent_variability.h"

namespace mimic::analysis {

struct VariabilityJobInputs {
  std::string rollouts;
  std::string labels;  // empty: kinematic rules
  VariabilityOptions options;
  std::string out;     // empty: no files
};

struct VariabilityJobOutcome {
  VariabilityResult result;
  int frames = 0;
  int samples = 0;
  bool kinematic_labels = true;
  std::string figure;
  std::string json;
};

absl::StatusOr<VariabilityJobOutcome> RunVariabilityJob(const VariabilityJobInputs& inputs,
                                                        const std::function<void(const std::string&, double)>& progress);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_VARIABILITY_JOB_H_
