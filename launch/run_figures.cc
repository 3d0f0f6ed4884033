#include "launch/run_figures.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_file.h"

namespace mimic::launch {
namespace {

StatusFigures ReadFigures(const std::string& path) {
  auto figures = ReadStatusFile(path);
  return figures.ok() ? *figures : StatusFigures{};
}

double Get(const StatusFigures& f, const std::string& key) {
  auto it = f.find(key);
  return it == f.end() ? std::nan("") : it->second;
}

}  // namespace

RunFigures GatherRunFigures(const RunLayout& run, int actors) {
  RunFigures out;
  double returns = 0;
  int with_return = 0;
  for (int i = 0; i < actors; ++i) {
    const StatusFigures a = ReadFigures(absl::StrCat(run.status, "/actor-", i, ".json"));
    if (!std::isnan(Get(a, "env_steps"))) out.env_steps += Get(a, "env_steps");
    if (!std::isnan(Get(a, "env_steps_per_s"))) out.env_steps_per_s += Get(a, "env_steps_per_s");
    if (!std::isnan(Get(a, "episode_return"))) {
      returns += Get(a, "episode_return");
      ++with_return;
    }
  }
  if (with_return > 0) out.episode_return = returns / with_return;
  const StatusFigures l = ReadFigures(run.status + "/learner.json");
  out.updates = std::isnan(Get(l, "updates")) ? 0 : Get(l, "updates");
  out.updates_per_s = std::isnan(Get(l, "updates_per_s")) ? 0 : Get(l, "updates_per_s");
  out.policy_lag = Get(l, "policy_lag");
  const StatusFigures e = ReadFigures(run.status + "/evaluator.json");
  out.eval_length = Get(e, "mean_length");
  out.eval_body_error_mm = Get(e, "body_error_mm");
  out.eval_reward_per_step = Get(e, "reward_per_step");
  out.eval_noisy_length = Get(e, "stochastic_mean_length");
  out.eval_completion = Get(e, "completion_train");
  out.eval_noisy_completion = Get(e, "stochastic_completion_train");
  out.eval_completion_held_out = Get(e, "completion_held_out");
  out.eval_keypoint_error_mm = Get(e, "keypoint_error_mm_train");
  out.eval_keypoint_error_mm_held_out = Get(e, "keypoint_error_mm_held_out");
  return out;
}

std::string ProgressLine(const RunFigures& f, double elapsed, double max_wall) {
  std::string line = absl::StrFormat("train %6.0fs | %9.0f env steps %6.0f/s | %6.0f updates %5.2f/s", elapsed,
                                     f.env_steps, f.env_steps_per_s, f.updates, f.updates_per_s);
  if (!std::isnan(f.episode_return)) absl::StrAppend(&line, absl::StrFormat(" | return %.1f", f.episode_return));
  if (!std::isnan(f.policy_lag)) absl::StrAppend(&line, absl::StrFormat(" | lag %.1f", f.policy_lag));
  if (!std::isnan(f.eval_length)) {
    absl::StrAppend(&line, absl::StrFormat(" | eval length %.0f (noisy %.0f)", f.eval_length, f.eval_noisy_length));
  }
  if (!std::isnan(f.eval_body_error_mm)) absl::StrAppend(&line, absl::StrFormat(" err %.1f mm", f.eval_body_error_mm));
  if (!std::isnan(f.eval_completion)) {
    absl::StrAppend(&line, absl::StrFormat(" | completed %.0f%% (noisy %.0f%%)", 100 * f.eval_completion,
                                           100 * f.eval_noisy_completion));
    if (!std::isnan(f.eval_completion_held_out)) {
      absl::StrAppend(&line, absl::StrFormat(", held out %.0f%%", 100 * f.eval_completion_held_out));
    }
  }
  if (!std::isnan(f.eval_keypoint_error_mm)) absl::StrAppend(&line, absl::StrFormat(" kp %.1f mm", f.eval_keypoint_error_mm));
  if (max_wall > 0) absl::StrAppend(&line, absl::StrFormat(" | ETA %.0fs", std::max(0.0, max_wall - elapsed)));
  return line;
}

}  // namespace mimic::launch
