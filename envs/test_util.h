// Shared fixtures for environment tests: the bundled model's config and self-recorded clips.
#ifndef MIMIC_ENVS_TEST_UTIL_H_
#define MIMIC_ENVS_TEST_UTIL_H_

#include <vector>

#include <mujoco/mujoco.h>

#include "envs/clip_recorder.h"
#include "envs/model_loader.h"
#include "proto/env_config.pb.h"

namespace mimic::testing {

// The default configuration over the bundled rat (paths relative to the workspace root).
inline EnvConfig BundledConfig() {
  EnvConfig config;
  config.set_model_path("data/models/rodent/rodent.xml");
  return config;
}

// A clip recorded from the model itself, with its action sequence.
inline RecordedClip RecordedTestClip(const EnvConfig& config, int frames = 60, uint64_t seed = 7) {
  RecordOptions options;
  options.num_frames = frames;
  options.seed = seed;
  options.name = "recorded_" + std::to_string(seed);
  auto recorded = RecordClip(config, options);
  if (!recorded.ok()) std::abort();
  return *std::move(recorded);
}

// Gives `clip` four STAC-like markers (skull, left hand, right foot, pelvis) and the keypoints
// those markers trace on its own poses, so model keypoints on the reference are exact.
inline ReferenceClip WithMarkers(ReferenceClip clip, const EnvConfig& config) {
  auto model = LoadModel(config.model_path(), config.perturbation(), clip.model_scale);
  if (!model.ok()) std::abort();
  const mjModel* m = model->get();
  clip.keypoint_names = {"Snout", "HandL", "FootR", "SpineL"};
  clip.marker_bodies = {"skull", "hand_L", "foot_R", "pelvis"};
  clip.keypoint_groups = {"head", "arm_L", "leg_R", "spine"};
  clip.marker_offsets = {0.01, 0, 0, 0, 0.005, 0, 0, 0, -0.01, 0.02, 0.01, 0};
  clip.num_keypoints = 4;
  clip.keypoints.clear();
  DataPtr d(mj_makeData(m));
  for (int t = 0; t < clip.num_frames; ++t) {
    std::copy(clip.qpos_at(t), clip.qpos_at(t) + clip.nq, d->qpos);
    mj_kinematics(m, d.get());
    for (int k = 0; k < 4; ++k) {
      const int b = mj_name2id(m, mjOBJ_BODY, clip.marker_bodies[k].c_str());
      double p[3];
      mju_rotVecMat(p, clip.marker_offsets.data() + 3 * k, d->xmat + 9 * b);
      for (int c = 0; c < 3; ++c) clip.keypoints.push_back(p[c] + d->xpos[3 * b + c]);
    }
  }
  return clip;
}

}  // namespace mimic::testing

#endif  // MIMIC_ENVS_TEST_UTIL_H_
