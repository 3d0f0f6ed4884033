// The encoding analysis as a job: reads the feature classes (from a rollouts file and/or plain
// arrays) and the spike counts, runs the GLMs with progress and cancellation, and writes the
// results as HDF5 plus an SVG figure (mean CV-LLR per class, share of neurons best explained by
// each class). Paths here are already resolved; the service checks them against its data root.
#ifndef MIMIC_ANALYSIS_ENCODING_JOB_H_
#define MIMIC_ANALYSIS_ENCODING_JOB_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analysis/clip_features.h"
#include "analysis/encoding.h"

namespace mimic::analysis {

struct EncodingJobInputs {
  std::string rollouts;                        // empty: none
  std::string clips;                           // empty: none (the real rat's `clips/...` classes)
  ClipFeatureOptions clip_options;
  std::vector<std::string> classes;            // of the rollouts and clips (see feature_classes.h)
  std::map<std::string, std::string> features; // name -> plain array file
  std::string counts;                          // or:
  std::string spikes, frame_times;             // spike file and a LoadFrameTimes spec
  bool drop_spikes_outside = false;
  std::string units_location;                  // empty: every unit
  double pca_fraction = 0;
  EncodingOptions options;
  std::string out;                             // results .h5; empty: no files
  int64_t max_cells = 0;                       // 0 = no limit on bins x (features + neurons)
};

struct EncodingJobOutcome {
  int neurons = 0;
  int bins = 0;
  std::vector<std::string> class_names;
  std::vector<int> best_class_counts;  // per class; neurons with no significant class not counted
  int untuned = 0;
  std::vector<std::string> class_sources;
  std::vector<std::vector<std::string>> term_names;  // per class: column names where known (arrays), else empty
  std::vector<NeuronEncoding> result;  // per neuron
  std::vector<std::string> neuron_names;
  std::string figure;                  // path of the SVG
  std::string json;
  // Computational (network layers) vs representational (kinematic) classes, when both are present
  // (roles: feature_classes.h RoleOf): per neuron the best CV-LLR within each group; one-sided
  // paired sign-flip permutation test that the computational group explains neurons better.
  bool compared = false;
  bool real_representational = false;  // the representational group is the real rat's (clips/...)
  std::vector<double> best_computational, best_representational;  // per compared neuron (best CV-LLR)
  std::vector<int> compared_neurons;                                // their indices
  double mean_computational_llr = 0, mean_representational_llr = 0, comparison_p = 1;
};

// The paper's Fig. 3 for an outcome: share of neurons best predicted by each class, CV-LLR box
// plots per class over the neurons it significantly predicts, and best computational against best
// representational CV-LLR per neuron.
std::string EncodingFigureSvg(const EncodingJobOutcome& outcome);

absl::StatusOr<EncodingJobOutcome> RunEncodingJob(const EncodingJobInputs& inputs,
                                                  const std::function<void(const std::string&, double)>& progress,
                                                  const std::function<bool()>& cancelled);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_ENCODING_JOB_H_
