// Everything environments over one configuration share, read-only: the compiled (and perturbed)
// model, the imitation task and the prepared reference clips.
#ifndef MIMIC_ENVS_ENV_CONTEXT_H_
#define MIMIC_ENVS_ENV_CONTEXT_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "envs/imitation_task.h"
#include "envs/model_loader.h"
#include "envs/reference_library.h"
#include "proto/env_config.pb.h"

namespace mimic {

class EnvContext {
 public:
  // Loads the model named by config.model_path(), builds the task and prepares `clips`.
  static absl::StatusOr<std::shared_ptr<const EnvContext>> Create(
      const EnvConfig& config, std::vector<ReferenceClip> clips);

  const mjModel* model() const { return model_.get(); }
  const ImitationTask& task() const { return *task_; }
  const EnvSpec& spec() const { return task_->spec(); }
  const ReferenceLibrary& library() const { return *library_; }

 private:
  ModelPtr model_;
  std::unique_ptr<ImitationTask> task_;
  std::shared_ptr<const ReferenceLibrary> library_;
};

// Checks every field's range; errors name the field and the offending value.
absl::Status ValidateEnvConfig(const EnvConfig& config);

// Reads and validates an EnvConfig from a text-format file (configs/*.pbtxt); unknown fields
// are errors.
absl::StatusOr<EnvConfig> ReadEnvConfig(const std::string& path);

// ReadEnvConfig(path), or the defaults (the bundled rat) when `path` is empty.
absl::StatusOr<EnvConfig> ReadEnvConfigOrDefaults(const std::string& path);

}  // namespace mimic

#endif  // MIMIC_ENVS_ENV_CONTEXT_H_
