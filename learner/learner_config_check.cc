#include "learner/learner_config_check.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "learner/learning_rate_schedule.h"

namespace mimic {
namespace {

// NaN or infinity reached the optimiser unannounced: every later update's loss was NaN and was
// refused, so the run went on without learning.
absl::Status CheckRate(const char* field, float rate) {
  if (std::isfinite(rate) && rate > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("learner.", field, " must be finite and positive; got ", rate));
}

}  // namespace

absl::Status CheckLearnerConfig(const LearnerConfig& config) {
  // Written so that NaN fails too.
  if (!(config.discount() >= 0 && config.discount() <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat("learner.discount must be in [0, 1]; got ", config.discount()));
  }
  for (const auto& [field, rate] : {std::pair<const char*, float>{"policy_learning_rate", config.policy_learning_rate()},
                                    {"critic_learning_rate", config.critic_learning_rate()},
                                    {"dual_learning_rate", config.dual_learning_rate()}}) {
    if (absl::Status s = CheckRate(field, rate); !s.ok()) return s;
  }
  // 0 would scale every gradient to nothing; infinity turns clipping off.
  if (!(config.max_grad_norm() > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("learner.max_grad_norm must be positive (inf: no clipping); got ", config.max_grad_norm()));
  }
  if (config.has_learning_rate_decay()) {
    if (absl::Status s = CheckLearningRateDecay(config.learning_rate_decay()); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("learner.", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace mimic
