// The learning-rate decay's arithmetic, apart from any optimiser so it can be checked alone.
#ifndef MIMIC_LEARNER_LEARNING_RATE_SCHEDULE_H_
#define MIMIC_LEARNER_LEARNING_RATE_SCHEDULE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "proto/learner_config.pb.h"

namespace mimic {

// OK when `decay` can be applied: updates > 0 (filled in), start_fraction in [0, 1),
// final_fraction in [0, 1]. The error names the field.
absl::Status CheckLearningRateDecay(const LearningRateDecay& decay);

// The factor on the base learning rates before update number `completed_updates` + 1: 1 until
// start_fraction·updates, then linearly down to final_fraction at `updates`, final_fraction after.
double LearningRateScale(const LearningRateDecay& decay, int64_t completed_updates);

}  // namespace mimic

#endif  // MIMIC_LEARNER_LEARNING_RATE_SCHEDULE_H_
