#include "actors/checkpoint_env.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/text_proto.h"
#include "envs/env_context.h"
#include "proto/train_config.pb.h"

namespace mimic {

absl::StatusOr<CheckpointEnv> EnvForCheckpoint(const std::string& config_path, const std::string& checkpoint_dir,
                                               double clips_model_scale) {
  CheckpointEnv env;
  if (!config_path.empty()) {
    auto config = ReadEnvConfig(config_path);
    if (!config.ok()) return config.status();
    env.config = *config;
    env.source = config_path;
    return env;
  }
  std::filesystem::path dir = std::filesystem::path(checkpoint_dir).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();  // "RUN/checkpoints/"
  const std::filesystem::path run_config = dir.parent_path() / "train.pbtxt";
  std::error_code error;
  if (!checkpoint_dir.empty() && std::filesystem::is_regular_file(run_config, error)) {
    auto train = ReadTextProto<TrainConfig>(run_config.string());
    if (!train.ok()) {
      return absl::Status(train.status().code(), absl::StrCat("the checkpoint's run config ", run_config.string(),
                                                              " (give --config to use another): ",
                                                              train.status().message()));
    }
    env.config = train->task().env();
    env.source = absl::StrCat(run_config.string(), " (task.env)");
  }
  if (!env.config.has_model_scale()) env.config.set_model_scale(clips_model_scale);
  absl::Status valid = ValidateEnvConfig(env.config);
  if (!valid.ok()) {
    return absl::Status(valid.code(), absl::StrCat(env.source.empty() ? "the default environment" : env.source, ": ",
                                                   valid.message()));
  }
  return env;
}

}  // namespace mimic
