// Per-frame kinematic summaries of a body with a free root (qpos: x y z, quaternion, joints),
// computed within each clip: root height, horizontal root speed and mean absolute joint angular
// speed (central differences, smoothed by a centred moving average). The coarse behaviour rules
// of the behaviour maps (and analysis/behaviour_labels) read these.
#ifndef MIMIC_BEHAVIOUR_KINEMATICS_H_
#define MIMIC_BEHAVIOUR_KINEMATICS_H_

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "absl/status/statusor.h"

namespace mimic::behaviour {

struct FrameKinematics {
  std::vector<double> root_height;  // m
  std::vector<double> root_speed;   // m/s, horizontal
  std::vector<double> joint_speed;  // rad/s, mean over joints
};

// `qpos` (frames x nq); `clip_of_row` splits clips (rows of one clip are contiguous); `dt` is
// seconds per frame; speeds are smoothed over `smooth_frames` frames.
absl::StatusOr<FrameKinematics> ComputeKinematics(const Eigen::MatrixXd& qpos, const std::vector<int>& clip_of_row,
                                                  double dt, int smooth_frames);

// The coarse behaviours and the rules that name them, in order of precedence:
//   rear  — root height above the session's median by more than rear_height (m)
//   walk  — otherwise, horizontal root speed above walk_speed (m/s)
//   groom — otherwise, mean absolute joint angular speed above groom_joint_speed (rad/s)
//   still — the rest
struct CoarseRules {
  double rear_height = 0.03;
  double walk_speed = 0.06;
  double groom_joint_speed = 1.5;
};
const std::vector<std::string>& CoarseBehaviourNames();  // still, walk, rear, groom
int CoarseBehaviour(double height_above_median, double root_speed, double joint_speed, const CoarseRules& rules);

double Median(std::vector<double> values);

}  // namespace mimic::behaviour

#endif  // MIMIC_BEHAVIOUR_KINEMATICS_H_
