#include "cli/env_setup.h"

#include "absl/strings/str_cat.h"
#include "common/progress.h"
#include "envs/env_context.h"

namespace mimic::cli {

absl::StatusOr<EnvConfig> ConfigFromArgs(const Args& args) {
  if (args.Has("config")) return ReadEnvConfig(args.GetString("config", ""));
  return EnvConfig();
}

std::function<void(const preprocess::StacProgress&)> StacProgressPrinter(const std::string& label) {
  // shared so the stage's line can be finished when the next stage starts
  struct State {
    std::string stage;
    std::unique_ptr<Progress> line;
  };
  auto state = std::make_shared<State>();
  return [state, label](const preprocess::StacProgress& p) {
    if (p.stage == state->stage && !state->line) return;  // this stage's line is already finished
    if (p.stage != state->stage) {
      if (state->line) state->line->Finish();
      state->stage = p.stage;
      state->line = std::make_unique<Progress>(absl::StrCat(label, p.stage), p.total, "frames");
    }
    state->line->Update(p.done);
    if (p.done == p.total && p.stage == "pose pass") {
      state->line->Finish();
      state->line.reset();
    }
  };
}

int Fail(const char* command, const absl::Status& status) {
  std::fprintf(stderr, "mimic %s: %s\n", command, status.ToString().c_str());
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace mimic::cli
