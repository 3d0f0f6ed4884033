// Acting in environments and cutting what happens into [T+1, E] batches (the last observation of
// one batch is the first of the next), with the policy's recurrent state at each batch's start.
#ifndef MIMIC_LEARNER_UNROLL_COLLECTOR_H_
#define MIMIC_LEARNER_UNROLL_COLLECTOR_H_

#include <vector>

#include "absl/status/statusor.h"
#include "envs/vector_env.h"
#include "learner/batch.h"
#include "learner/policy_actor.h"

namespace mimic {

// The environments' current observations (N x obs, copied) and episode-start flags (N, as float).
torch::Tensor ObservationsOf(const VectorEnv& env);
// After a step: the final observations of the episodes that step truncated (first = 1, discount
// > 0), zeros in every other row (N x obs).
torch::Tensor TruncatedFinalObservationsOf(const VectorEnv& env);
torch::Tensor FirstFlagsOf(const VectorEnv& env);

// One environment set and its policy, stepped in lockstep.
class UnrollCollector {
 public:
  UnrollCollector(VectorEnv* env, PolicyActor* actor, int unroll_length);
  absl::Status Start();  // resets the environments
  // T steps of every environment as one batch.
  absl::StatusOr<Batch> Collect();


  // Returns and lengths of episodes finished since the last call.
  std::vector<double> TakeFinishedReturns();
  std::vector<int> TakeFinishedLengths();
  // Time spent so far in policy inference and in stepping the environments.
  double inference_seconds() const { return inference_seconds_; }
  double env_seconds() const { return env_seconds_; }
  int unroll_length() const { return unroll_length_; }

 private:
  VectorEnv* env_;
  PolicyActor* actor_;
  int unroll_length_;
  std::vector<double> running_return_;
  std::vector<int> running_length_;
  std::vector<double> finished_returns_;
  std::vector<int> finished_lengths_;
  double inference_seconds_ = 0, env_seconds_ = 0;
};

}  // namespace mimic

#endif  // MIMIC_LEARNER_UNROLL_COLLECTOR_H_
