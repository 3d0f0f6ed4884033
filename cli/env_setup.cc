#include "cli/env_setup.h"

#include "envs/env_context.h"

namespace mimic::cli {

absl::StatusOr<EnvConfig> ConfigFromArgs(const Args& args) {
  if (args.Has("config")) return ReadEnvConfig(args.GetString("config", ""));
  return EnvConfig();
}

int Fail(const char* command, const absl::Status& status) {
  std::fprintf(stderr, "mimic %s: %s\n", command, status.ToString().c_str());
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace mimic::cli
