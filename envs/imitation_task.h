// The imitation task: what the rodent observes, how it is rewarded for tracking the reference,
// and when an episode ends. Stateless apart from its configuration; one instance is shared by
// every environment over the same model.
//
// Two presets share the observation and differ in reward and termination (EnvConfig.preset).
// TRACK_MJX (the default; track-mjx's terms and scales, see docs/architecture.md for why):
//   r = w_com  exp(-s_com  |com - com_ref|^2)
//     + w_quat exp(-s_quat angle(root, root_ref)^2)
//     + w_jnt  exp(-s_jnt  sum_j (q_j - q_ref_j)^2)
//     + w_body exp(-s_body sum_b |x_b - x_ref_b|^2)          over tracked bodies
//     + w_ee   exp(-s_ee   sum_e |x_e - x_ref_e|^2)          over end effectors
//     + alive_bonus - w_ctrl |a|^2 / nu
// compared at the reference frame the step arrived at; terminations per quantity.
// COMIC (the paper's): the CoMic reward and its combined body/joint termination error, see
// ComicConfig in proto/env_config.proto.
#ifndef MIMIC_ENVS_IMITATION_TASK_H_
#define MIMIC_ENVS_IMITATION_TASK_H_

#include <memory>
#include <string>
#include <vector>

#include <mujoco/mujoco.h>

#include "absl/status/statusor.h"
#include "envs/env_spec.h"
#include "envs/reference_library.h"
#include "proto/env_config.pb.h"

namespace mimic {

// Why an episode ended. Terminations (discount 0) come before truncations (discount 1).
enum class EpisodeEnd : uint8_t {
  kNone = 0,
  kTooFar = 1,          // centre of mass too far from the reference
  kBadOrientation = 2,  // root rotated too far from the reference
  kBadPose = 3,         // joint angles too far from the reference
  kFell = 4,            // root sank below the reference / minimum height
  kUnstable = 5,        // the simulation diverged
  kTrackingError = 6,   // COMIC: the combined body/joint error passed its threshold
  kClipEnd = 16,        // reached the last reference frame (truncation)
  kTimeLimit = 17,      // max_episode_steps reached (truncation)
};
inline bool IsTermination(EpisodeEnd e) {
  return e != EpisodeEnd::kNone && static_cast<uint8_t>(e) < 16;
}
const char* EpisodeEndName(EpisodeEnd e);

struct RewardTerms {
  double com = 0;
  double root_quat = 0;
  double joints = 0;
  double body_pos = 0;
  double end_effectors = 0;
  double ctrl_cost = 0;
  // COMIC terms (zero under TRACK_MJX); `com` above holds its centre-of-mass term
  double tracking = 0;          // termination_reward_weight (1 - E / threshold)
  double joint_velocities = 0;  // pose terms, each already multiplied by pose_reward_weight
  double appendages = 0;
  double body_quats = 0;
  double actuator_force = 0;    // the force cost (subtracted)
  double total = 0;
  // raw errors, for termination and reporting
  double com_distance = 0;        // metres
  double root_angle = 0;          // radians
  double joint_distance = 0;      // L2 over joints, radians
  double mean_body_error = 0;     // metres, mean over tracked bodies
  double mean_end_effector_error = 0;  // metres, mean over end effectors
  double root_height = 0;         // metres above the floor plane z = 0
  double root_height_deficit = 0; // metres the root is below the reference root
  double mean_joint_error = 0;    // radians, mean |q_j - q_ref_j| over joints
  double termination_error = 0;   // COMIC's E (0 under TRACK_MJX)
};

// One term of a preset's reward: total = sum of sign x term over the preset's terms (TRACK_MJX
// adds its constant alive bonus).
struct RewardTermField {
  const char* name;
  double RewardTerms::*value;
  double sign;  // -1 for costs
};
const std::vector<RewardTermField>& RewardTermFields(TaskPreset preset);

class ImitationTask {
 public:
  // Fills config defaults (tracked bodies, end effectors) and validates against the model.
  static absl::StatusOr<std::unique_ptr<ImitationTask>> Create(const mjModel* model,
                                                               const EnvConfig& config);

  const EnvSpec& spec() const { return spec_; }
  const EnvConfig& config() const { return config_; }
  const TrackedBodies& bodies() const { return bodies_; }
  double control_rate() const { return 1.0 / spec_.control_timestep; }

  // Writes the observation (spec().observation.size() floats) for the state in `d` while
  // tracking `clip` at `frame` (the reference window starts at frame + 1, clamped at the end).
  void WriteObservation(const mjData* d, const ClipFeatures& clip, int frame, float* out) const;

  // Compares the state in `d` with reference `frame`; `ctrl` (nu) is the applied control.
  RewardTerms ComputeReward(const mjData* d, const ClipFeatures& clip, int frame,
                            const double* ctrl) const;

  // Whether the state has failed to track (termination reasons only).
  EpisodeEnd CheckTermination(const RewardTerms& terms) const;

 private:
  ImitationTask(const mjModel* model, EnvConfig config);
  absl::Status Init();

  RewardTerms ComputeComicReward(const mjData* d, const ClipFeatures& clip, int frame, RewardTerms r) const;

  const mjModel* model_;
  EnvConfig config_;
  EnvSpec spec_;
  TrackedBodies bodies_;
  bool comic_ = false;
  bool body_quats_observed_ = false;
  int joint_qpos_start_ = 7;  // joints follow the free root in qpos
  int joint_qvel_start_ = 6;
};

}  // namespace mimic

#endif  // MIMIC_ENVS_IMITATION_TASK_H_
