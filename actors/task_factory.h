// Builds the environments a training run's processes step, from the run's TaskConfig: the rodent
// imitating reference clips, or cartpole swing-up for smoke runs. Every process of a run calls
// this with the same config, so observation and action sizes agree everywhere.
#ifndef MIMIC_ACTORS_TASK_FACTORY_H_
#define MIMIC_ACTORS_TASK_FACTORY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "envs/batched_env.h"
#include "envs/vector_env.h"
#include "proto/train_config.pb.h"

namespace mimic {

struct TaskEnvs {
  std::unique_ptr<VectorEnv> env;
  BatchedEnv* rodent = nullptr;  // the same object when the task is the rodent, else null
  // rodent only: the model, task and clips the envs play; for each of the context's clips its
  // index in the clips file and whether it is held out from training
  std::shared_ptr<const EnvContext> context;
  std::vector<int> clip_ids;
  std::vector<bool> held_out;
  int obs_size = 0;
  int num_actions = 0;
  int proprioception_size = 0;   // 0 = the whole observation
};

// Which clips of a task's file are trained on, held out and evaluated (indices into the file).
struct ClipPlan {
  std::vector<int> train;     // task.clip_ids, or every clip not held out
  std::vector<int> held_out;  // task.held_out_clip_ids: never trained on
  std::vector<int> eval;      // task.eval_clip_ids, or train then held out
};

// Checks the task's clip lists against a file of `num_clips` clips: indices in range, no
// duplicates, no held-out clip among the training clips, at least one training clip.
absl::StatusOr<ClipPlan> PlanClips(const TaskConfig& task, int num_clips);

// kEvaluate uses the evaluation clips (adaptive start sampling off); with from_clip_start,
// episodes begin at frame 0.
enum class TaskRole { kTrain, kEvaluate };

absl::StatusOr<TaskEnvs> MakeTaskEnvs(const TaskConfig& task, TaskRole role, int num_envs, int threads,
                                      uint64_t seed, bool from_clip_start = false);

// Fills what a run's processes must agree on and the config leaves open: the policy's
// proprioception slice, the learner's replay table (on_policy or mpo) and the replay tables
// themselves when none are given. Rejects configs that cannot run, naming the field (the
// learner's settings included: CheckLearnerConfig).
absl::StatusOr<TrainConfig> CompleteTrainConfig(TrainConfig config);

// The replay part of CompleteTrainConfig alone (needs no clips, so a replay process can build its
// tables from the run's train config): the default algorithm, the default tables when none are
// given, and the learner's table name.
void FillReplayTables(TrainConfig& config);

}  // namespace mimic

#endif  // MIMIC_ACTORS_TASK_FACTORY_H_
