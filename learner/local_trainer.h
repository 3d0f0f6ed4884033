// Single-process training: act in a VectorEnv with the learner's own networks, cut [T+1, E]
// unrolls, and update — on-policy (V-trace, V-MPO) on each fresh batch, off-policy (MPO) from
// an in-process replay at a fixed samples-per-insert ratio. Used by the learning proofs
// (`mimic bench learn`) and rodent sanity runs; no gRPC anywhere.
#ifndef MIMIC_LEARNER_LOCAL_TRAINER_H_
#define MIMIC_LEARNER_LOCAL_TRAINER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "envs/vector_env.h"
#include "learner/batch.h"
#include "learner/learner.h"
#include "learner/policy_actor.h"
#include "learner/unroll_collector.h"

namespace mimic {

struct EvaluationResult {
  double mean_return = 0;
  double mean_length = 0;           // steps per episode
  double mean_reward_per_step = 0;
  int episodes = 0;
};

// Runs the deterministic policy until every environment has finished one episode (at most
// max_steps steps each).
absl::StatusOr<EvaluationResult> EvaluatePolicy(Networks networks, VectorEnv* env, uint64_t seed,
                                                int max_steps);

struct LocalTrainingOptions {
  int64_t env_steps = 1'000'000;
  int unroll_length = 20;
  int batch_size = 32;                 // off-policy: sequences per update
  // On-policy: passes over each fresh batch, each split into `minibatches` groups of unrolls
  // (V-trace's importance weights and V-MPO's KL bound to its target policy cover the reuse).
  int epochs_per_batch = 1;
  int minibatches = 1;
  double samples_per_insert = 4;       // off-policy: updates so each transition is used ~this often
  int min_replay_sequences = 200;      // off-policy: updates start once this many are stored
  int replay_capacity_sequences = 20000;
  int64_t eval_every_steps = 50'000;
  int eval_max_steps = 1000;
  double stop_at_eval_return = 0;      // > 0: stop once an evaluation reaches it
  uint64_t seed = 1;
  std::string checkpoint_dir;          // empty: no checkpoints
  bool show_progress = true;
};

struct TrainingPoint {
  int64_t env_steps = 0;
  int64_t updates = 0;
  double wall_seconds = 0;
  double train_return = 0;   // mean over training episodes finished since the last point
  EvaluationResult eval;
  double loss = 0;
  int64_t refused_updates = 0;  // refused for non-finite losses or gradients (skipped), so far
  LearnerMetrics last_update;  // the most recent update's metrics
};

// Trains `learner` in `train_env`, evaluating in `eval_env` every eval_every_steps (and at the
// start and end). Calls on_point after each evaluation.
absl::StatusOr<std::vector<TrainingPoint>> TrainLocally(
    Learner* learner, VectorEnv* train_env, VectorEnv* eval_env,
    const LocalTrainingOptions& options,
    const std::function<void(const TrainingPoint&)>& on_point = nullptr);

}  // namespace mimic

#endif  // MIMIC_LEARNER_LOCAL_TRAINER_H_
