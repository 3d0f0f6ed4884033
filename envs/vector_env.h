// What a learner's acting loop needs from a set of environments stepped together, whatever the
// task (the rodent imitation task, or cartpole for learning proofs). Auto-reset semantics are
// BatchedEnv's: after a step that ends an episode, observations() already holds the next
// episode's first observation and first()[i] is 1; reward and discount belong to the ended step,
// and final_observations() holds the ended episode's last observation (learners bootstrap from it
// when the episode was truncated rather than terminated).
#ifndef MIMIC_ENVS_VECTOR_ENV_H_
#define MIMIC_ENVS_VECTOR_ENV_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace mimic {

class VectorEnv {
 public:
  virtual ~VectorEnv() = default;
  virtual int num_envs() const = 0;
  virtual int obs_size() const = 0;
  virtual int num_actions() const = 0;
  virtual absl::Status Reset() = 0;
  // actions: num_envs × num_actions, in [-1, 1] (values outside are clipped by the env).
  virtual absl::Status Step(absl::Span<const float> actions) = 0;
  virtual const float* observations() const = 0;  // (N x obs)
  // (N x obs) row i is meaningful after a step with first()[i] = 1
  virtual const float* final_observations() const = 0;
  virtual const float* rewards() const = 0;       // (N)
  virtual const float* discounts() const = 0;     // (N) 0 at termination
  virtual const uint8_t* first() const = 0;       // (N)
};

}  // namespace mimic

#endif  // MIMIC_ENVS_VECTOR_ENV_H_
