// Latent variability (the paper's Fig. 5 analyses) from a rollouts file recorded with latent
// resamples (`mimic rollout --latent_samples n`): at every frame, n latent draws from the same
// network state give a spread of latents and of action means. Per behaviour: the action
// variability per actuator and the latent variability per dimension; whether latent (and action)
// variability discriminates behaviours — shrinkage LDA, blocked cross-validation, balanced
// accuracy, against a null of circularly shifted labels (which keeps the labels' time structure);
// and RDMs over behaviours of both, with their correlation.
#ifndef MIMIC_ANALYSIS_LATENT_VARIABILITY_H_
#define MIMIC_ANALYSIS_LATENT_VARIABILITY_H_

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "absl/status/statusor.h"
#include "analysis/behaviour_labels.h"

namespace mimic::analysis {

struct VariabilityData {
  Eigen::MatrixXd action_std;  // frames x actuators: std over resamples of the action mean
  Eigen::MatrixXd latent_std;  // frames x latent dims: std over resamples of the latent sample
  Eigen::MatrixXd qpos;        // frames x nq
  std::vector<int> clip_of_row;
  double dt = 0.02;            // seconds per frame
  int samples = 0;             // resamples per frame
};

// Reads every clip of a rollouts file; a file without resamples is an error saying how to make one.
absl::StatusOr<VariabilityData> ReadVariability(const std::string& rollouts);

struct VariabilityOptions {
  int folds = 5;
  int permutations = 200;
  uint64_t seed = 1;
  int min_frames = 20;     // behaviours with fewer frames are left out
  double shrinkage = 0.1;  // toward a scaled identity, for the pooled covariance
};

struct Discrimination {
  double balanced_accuracy = 0;
  double chance = 0;
  double p_value = 1;
  int permutations = 0;
};

struct VariabilityResult {
  std::vector<std::string> behaviours;  // those kept, in label order
  std::vector<int> frames;              // per behaviour
  Eigen::MatrixXd action_by_behaviour;  // behaviours x actuators, mean action std
  Eigen::MatrixXd latent_by_behaviour;  // behaviours x latent dims, mean latent std
  Discrimination latent;                // latent variability -> behaviour
  Discrimination action;                // action variability -> behaviour
  Eigen::VectorXd action_rdm, latent_rdm;  // correlation distance over behaviours (upper triangle)
  double rdm_correlation = std::nan("");   // between the two RDMs (3+ behaviours)
};

absl::StatusOr<VariabilityResult> AnalyzeVariability(const Eigen::MatrixXd& action_std,
                                                     const Eigen::MatrixXd& latent_std,
                                                     const BehaviourLabels& labels, const VariabilityOptions& options);

// Balanced accuracy of shrinkage LDA on log-features `x` with labels `y` in [0, classes), over
// contiguous folds.
double LdaBalancedAccuracy(const Eigen::MatrixXd& x, const std::vector<int>& y, int classes, int folds,
                           double shrinkage);
Discrimination LdaPermutationTest(const Eigen::MatrixXd& x, const std::vector<int>& y, int classes,
                                  const VariabilityOptions& options);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_LATENT_VARIABILITY_H_
