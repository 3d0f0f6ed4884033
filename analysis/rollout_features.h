// Feature classes from a rollouts file (contract 6), stacked over its clips in file order, with
// each row's time and clip. Representational classes come from the kinematics:
//   joint_angles (qpos without the free root), joint_velocities (qvel without the root),
//   egocentric_positions (every body relative to the root, in the root's frame),
//   egocentric_velocities and egocentric_accelerations (their central differences per clip).
// Computational classes are the file's named layers (`encoder/0`, `latent/mean`,
// `decoder/lstm0/h`, `action/mean`, …), as listed in /layer_names.
#ifndef MIMIC_ANALYSIS_ROLLOUT_FEATURES_H_
#define MIMIC_ANALYSIS_ROLLOUT_FEATURES_H_

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "absl/status/statusor.h"
#include "analysis/encoding.h"

namespace mimic::analysis {

struct RolloutFeatures {
  std::vector<FeatureClass> classes;
  Eigen::VectorXd time;                 // (rows) seconds within each clip
  std::vector<std::string> clip_names;  // file order
  std::vector<int> clip_of_row;         // (rows) index into clip_names
};

// The representational class names, then the file's layers.
absl::StatusOr<std::vector<std::string>> AvailableRolloutClasses(const std::string& path);

// Reads the named classes (all when `names` is empty). Unknown names, missing datasets,
// mismatched lengths or non-finite values are errors naming the class and clip.
absl::StatusOr<RolloutFeatures> ReadRolloutFeatures(const std::string& path,
                                                    const std::vector<std::string>& names = {});

// Principal-component scores keeping the fewest components that explain at least `fraction`
// of the variance (0 < fraction ≤ 1). Columns are centred first.
Eigen::MatrixXd PcaReduce(const Eigen::MatrixXd& x, double fraction);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_ROLLOUT_FEATURES_H_
