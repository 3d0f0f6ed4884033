// Trial-to-trial variability of neurons per behaviour (the paper's Fig. 5 comparison of neural with
// latent variability). A behaviour's "trials" are its bouts: maximal runs of its label within one
// clip at least `window_frames` long. Each bout contributes the spike count of each neuron in the
// window of `window_frames` frames from its onset (so trials are aligned, as in a task). Per
// behaviour and neuron: the Fano factor (variance / mean of those counts over bouts) and the
// coefficient of variation (sd / mean); per behaviour the mean over neurons whose mean count per
// window reaches `min_mean_count` (Fano factors of near-silent neurons are noise).
// The comparison with the network: the Pearson correlation across behaviours between the neural
// mean Fano factor and the policy's mean latent (or action) variability, with a one-sided
// permutation test over behaviour orders (exact for up to 8 behaviours).
#ifndef MIMIC_ANALYSIS_NEURAL_VARIABILITY_H_
#define MIMIC_ANALYSIS_NEURAL_VARIABILITY_H_

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "absl/status/statusor.h"
#include "analysis/behaviour_labels.h"

namespace mimic::analysis {

struct NeuralVariabilityOptions {
  int window_frames = 10;       // 200 ms at 50 Hz
  int min_bouts = 3;            // behaviours with fewer bouts are left out
  double min_mean_count = 0.5;  // spikes per window, for a neuron to enter a behaviour's mean

  absl::Status Validate() const;
};

struct NeuralVariability {
  std::vector<std::string> behaviours;  // kept, in label order
  std::vector<int> label_of;            // their indices in the labels' names
  std::vector<int> bouts;               // per behaviour
  Eigen::MatrixXd fano, cv;             // behaviours x neurons; NaN where the mean count is zero
  Eigen::MatrixXd mean_count;           // behaviours x neurons, spikes per window
  std::vector<double> mean_fano, mean_cv;  // per behaviour, over neurons with enough spikes (NaN if none)
};

// `counts` (frames x neurons) and `labels` over the same frames; `clip_of_row` splits clips.
absl::StatusOr<NeuralVariability> BoutVariability(const Eigen::MatrixXd& counts, const BehaviourLabels& labels,
                                                  const std::vector<int>& clip_of_row,
                                                  const NeuralVariabilityOptions& options = {});

struct CorrelationTest {
  double r = std::nan("");
  double p = 1;          // one-sided: that the correlation is positive
  int permutations = 0;
  bool exact = false;
};

// Pearson r between x and y (pairs with a NaN are dropped) and the share of y's permutations whose
// r reaches it: all of them for up to 8 pairs, else `permutations` random ones (+1 smoothing).
CorrelationTest CorrelationPermutationGreater(const std::vector<double>& x, const std::vector<double>& y,
                                              int permutations = 10000, uint64_t seed = 1);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_NEURAL_VARIABILITY_H_
