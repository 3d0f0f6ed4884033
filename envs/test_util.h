// Shared fixtures for environment tests: the bundled model's config and self-recorded clips.
#ifndef MIMIC_ENVS_TEST_UTIL_H_
#define MIMIC_ENVS_TEST_UTIL_H_

#include "envs/clip_recorder.h"
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

}  // namespace mimic::testing

#endif  // MIMIC_ENVS_TEST_UTIL_H_
