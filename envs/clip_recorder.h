// Records a reference clip from the model itself under a known, smooth random action sequence.
// Such clips are physically consistent by construction: replaying the recorded actions from the
// first frame reproduces them exactly, which makes them the test fixture and demo clip until
// real registered clips are available.
#ifndef MIMIC_ENVS_CLIP_RECORDER_H_
#define MIMIC_ENVS_CLIP_RECORDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "envs/reference_clip.h"
#include "proto/env_config.pb.h"

namespace mimic {

struct RecordOptions {
  std::string name = "self_recorded";
  int num_frames = 250;
  uint64_t seed = 0;
  double settle_seconds = 0.5;  // zero-action settling before the first frame
  double action_scale = 0.3;    // stationary std of the actions
  double action_smoothing = 0.95;  // AR(1) coefficient between control steps

  absl::Status Validate() const;
};

struct RecordedClip {
  ReferenceClip clip;
  std::vector<float> actions;  // ((T-1) x nu): action taking frame t to frame t+1
  int num_actions = 0;
};

// Uses the model, time step and substeps `config` names (perturbations included).
absl::StatusOr<RecordedClip> RecordClip(const EnvConfig& config, const RecordOptions& options);

}  // namespace mimic

#endif  // MIMIC_ENVS_CLIP_RECORDER_H_
