// The rollout recorder: runs a trained policy over whole reference clips and writes the rollouts
// file the analyses read (architecture contract 6). On a termination the body is reset to the
// reference at the current frame and recording continues, so every clip is covered.
//
// Layout (HDF5): root attributes format = "mimic.rollouts", version = 1, checkpoint, step,
// control_timestep; /layer_names (strings, the network's named layers in order); per clip
// /clips/<name>/ with qpos [T,nq], qvel [T,nv], xpos [T,nbody,3] (float64), action, action_mean,
// action_std [T,A], latent_mean, latent_std, latent_sample [T,L], layers/<layer name> [T,n],
// value [T], reward [T] (float32), termination [T], episode_end [T] (EpisodeEnd code of the step: 0
// none, 1-5 a termination, 16 clip_end, 17 time_limit), frame [T] (int32), time [T] (float64, s);
// with latent resampling also resampled/action_mean [T,n,A] and resampled/latent [T,n,L]; when the
// clip carries STAC markers also model_keypoints [T,K,3] (the markers on the simulated body),
// real_keypoints [T,K,3] (the recorded rat's at the same frame; NaN where missing), both float64
// metres in the world frame, and keypoint_names [K].
#ifndef MIMIC_ACTORS_ROLLOUT_RECORDER_H_
#define MIMIC_ACTORS_ROLLOUT_RECORDER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "envs/env_context.h"
#include "learner/networks.h"

namespace mimic {

struct RolloutOptions {
  // Extra latent draws per step whose action means are recorded (action variability); the
  // trajectory itself follows the main draw.
  int latent_samples = 0;
  LatentNoiseShape noise_shape = LatentNoiseShape::kStandard;
  double noise_gain = 1.0;
  // false: ε = 0 and the action mean (deterministic); true: the latent and action are sampled.
  bool stochastic = false;
  int max_steps_per_clip = 0;  // 0 = the whole clip
  uint64_t seed = 0;
  std::string checkpoint;      // recorded as an attribute
  int64_t step = 0;            // the learner step of the checkpoint
  std::function<void(int64_t done, int64_t total)> on_progress;
};

struct RolloutSummary {
  int clips = 0;
  int64_t steps = 0;
  int terminations = 0;
  double mean_reward = 0;
  std::vector<std::string> layer_names;
};

absl::StatusOr<RolloutSummary> RecordRollouts(Networks networks,
                                              std::shared_ptr<const EnvContext> context,
                                              const RolloutOptions& options,
                                              const std::string& out_path);

}  // namespace mimic

#endif  // MIMIC_ACTORS_ROLLOUT_RECORDER_H_
