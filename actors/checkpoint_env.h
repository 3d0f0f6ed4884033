// The environment a checkpoint was trained in, for commands that run a checkpoint outside its
// training run (`mimic rollout`, `mimic robustness`). The policy's observation depends on the
// task (the preset, the reference window), so running it in the default environment fails on the
// observation size or, worse, means something else. A checkpoint directory written by
// `mimic train` sits in its run directory, whose train.pbtxt names the task.
#ifndef MIMIC_ACTORS_CHECKPOINT_ENV_H_
#define MIMIC_ACTORS_CHECKPOINT_ENV_H_

#include <string>

#include "absl/status/statusor.h"
#include "proto/env_config.pb.h"

namespace mimic {

struct CheckpointEnv {
  EnvConfig config;
  std::string source;  // the file it came from; "" = the defaults
};

// `config_path` when given (an EnvConfig file, used as written); else the task.env of the run's
// train.pbtxt beside `checkpoint_dir` (CHECKPOINT_DIR/../train.pbtxt) when there is one; else the
// defaults. Unless the file sets it, the model scale is the clips' (`clips_model_scale`).
absl::StatusOr<CheckpointEnv> EnvForCheckpoint(const std::string& config_path, const std::string& checkpoint_dir,
                                               double clips_model_scale);

}  // namespace mimic

#endif  // MIMIC_ACTORS_CHECKPOINT_ENV_H_
