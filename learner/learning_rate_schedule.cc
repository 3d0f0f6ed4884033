#include "learner/learning_rate_schedule.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace mimic {

absl::Status CheckLearningRateDecay(const LearningRateDecay& decay) {
  if (decay.updates() <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "learning_rate_decay.updates must be positive (0 is filled in from the run's max_env_steps); got ",
        decay.updates()));
  }
  // Written so that NaN fails too.
  if (!(decay.start_fraction() >= 0 && decay.start_fraction() < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("learning_rate_decay.start_fraction must be in [0, 1); got ", decay.start_fraction()));
  }
  if (!(decay.final_fraction() >= 0 && decay.final_fraction() <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("learning_rate_decay.final_fraction must be in [0, 1]; got ", decay.final_fraction()));
  }
  return absl::OkStatus();
}

double LearningRateScale(const LearningRateDecay& decay, int64_t completed_updates) {
  const double total = static_cast<double>(decay.updates());
  const double start = decay.start_fraction() * total;
  const double done = static_cast<double>(completed_updates);
  if (done <= start) return 1.0;
  if (done >= total) return decay.final_fraction();
  const double progress = (done - start) / (total - start);
  return 1.0 + progress * (decay.final_fraction() - 1.0);
}

}  // namespace mimic
