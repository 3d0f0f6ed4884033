// Behaviour labels per frame: read from a file a lab made, or the built-in labelling from
// kinematics. The built-in rules are deliberately simple and documented, not a classifier:
//   rear  — root height above the session's median by more than rear_height (m)
//   walk  — otherwise, root speed in the horizontal plane above walk_speed (m/s)
//   groom — otherwise, mean absolute joint angular speed above groom_joint_speed (rad/s)
//   still — the rest
// Speeds are central differences smoothed over `smooth_frames`, within each clip.
#ifndef MIMIC_ANALYSIS_BEHAVIOUR_LABELS_H_
#define MIMIC_ANALYSIS_BEHAVIOUR_LABELS_H_

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "absl/status/statusor.h"

namespace mimic::analysis {

struct BehaviourLabels {
  std::vector<std::string> names;  // label index -> name
  std::vector<int> labels;         // per frame
};

struct KinematicLabelOptions {
  double rear_height = 0.03;    // m above the median root height
  double walk_speed = 0.06;     // m/s
  double groom_joint_speed = 1.5;  // rad/s, mean over joints
  int smooth_frames = 5;
};

// `qpos` (frames x nq, free root first: x y z, quaternion, joints); `clip_of_row` splits clips;
// `dt` is seconds per frame.
absl::StatusOr<BehaviourLabels> LabelFromKinematics(const Eigen::MatrixXd& qpos, const std::vector<int>& clip_of_row,
                                                    double dt, const KinematicLabelOptions& options = {});

// A CSV with one label name per frame (an optional header line `label`); `frames` must match.
absl::StatusOr<BehaviourLabels> ReadLabelFile(const std::string& path, int frames);

// Labels for the rows of a rollouts file (its clips in file order): from a behaviour map written by
// `mimic analysis behaviour-map` (each row takes its clip's coarse behaviour at the frame the
// rollout recorded; `MAP.h5:clusters` takes the map's clusters instead), or a CSV as above.
absl::StatusOr<BehaviourLabels> ReadLabelsForRollouts(const std::string& labels, const std::string& rollouts, int rows);

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_BEHAVIOUR_LABELS_H_
