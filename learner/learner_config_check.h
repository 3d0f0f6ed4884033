// The learner's own settings, checked without building a network: the launcher refuses a bad
// config before it registers clips or starts a process, and Learner::Create refuses it too.
#ifndef MIMIC_LEARNER_LEARNER_CONFIG_CHECK_H_
#define MIMIC_LEARNER_LEARNER_CONFIG_CHECK_H_

#include "absl/status/status.h"
#include "proto/learner_config.pb.h"

namespace mimic {

// OK when discount is in [0, 1], the policy, critic and dual learning rates are finite and
// positive, max_grad_norm is positive (infinity: no clipping) and a learning-rate decay, if any,
// can be applied (its updates filled in). The error names the field and the value.
absl::Status CheckLearnerConfig(const LearnerConfig& config);

}  // namespace mimic

#endif  // MIMIC_LEARNER_LEARNER_CONFIG_CHECK_H_
