#include "actors/task_factory.h"

#include <cmath>

#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "envs/cartpole.h"
#include "envs/clip_io.h"
#include "envs/clip_recorder.h"
#include "envs/env_context.h"
#include "learner/learner_config_check.h"

namespace mimic {
namespace {

std::string Listed(const std::string& field, int id) { return absl::StrCat("task.", field, " names clip ", id); }

// The file's clips (or one recorded from the model when the task names no file).
absl::StatusOr<std::vector<ReferenceClip>> LoadTaskClips(const TaskConfig& task) {
  if (!task.clips().empty()) return ReadClips(task.clips());
  MIMIC_ASSIGN_OR_RETURN(RecordedClip recorded, RecordClip(task.env(), RecordOptions{}));
  std::vector<ReferenceClip> one;
  one.push_back(std::move(recorded.clip));
  return one;
}

}  // namespace

absl::StatusOr<ClipPlan> PlanClips(const TaskConfig& task, int num_clips) {
  const std::string file = task.clips().empty() ? "the recorded clip" : task.clips();
  std::set<int> held_out;
  for (int id : task.held_out_clip_ids()) {
    if (id < 0 || id >= num_clips) {
      return absl::InvalidArgumentError(absl::StrCat(Listed("held_out_clip_ids", id), ", out of range: ", file,
                                                     " holds ", num_clips, " clips"));
    }
    if (!held_out.insert(id).second) {
      return absl::InvalidArgumentError(absl::StrCat(Listed("held_out_clip_ids", id), " twice"));
    }
  }
  ClipPlan plan;
  plan.held_out.assign(task.held_out_clip_ids().begin(), task.held_out_clip_ids().end());
  std::set<int> train;
  for (int id : task.clip_ids()) {
    if (id < 0 || id >= num_clips) {
      return absl::InvalidArgumentError(absl::StrCat(Listed("clip_ids", id), ", out of range: ", file, " holds ",
                                                     num_clips, " clips"));
    }
    if (held_out.count(id)) {
      return absl::InvalidArgumentError(absl::StrCat("clip ", id, " is both held out (task.held_out_clip_ids) and "
                                                     "trained on (task.clip_ids): a held-out clip is never trained on"));
    }
    if (!train.insert(id).second) return absl::InvalidArgumentError(absl::StrCat(Listed("clip_ids", id), " twice"));
    plan.train.push_back(id);
  }
  if (task.clip_ids().empty()) {
    for (int id = 0; id < num_clips; ++id) {
      if (!held_out.count(id)) plan.train.push_back(id);
    }
  }
  if (plan.train.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no clip left to train on: all ", num_clips, " clips of ", file,
                                                   " are held out"));
  }
  std::set<int> eval;
  for (int id : task.eval_clip_ids()) {
    if (id < 0 || id >= num_clips) {
      return absl::InvalidArgumentError(absl::StrCat(Listed("eval_clip_ids", id), ", out of range: ", file,
                                                     " holds ", num_clips, " clips"));
    }
    if (!eval.insert(id).second) return absl::InvalidArgumentError(absl::StrCat(Listed("eval_clip_ids", id), " twice"));
    plan.eval.push_back(id);
  }
  if (plan.eval.empty()) {
    plan.eval = plan.train;
    plan.eval.insert(plan.eval.end(), plan.held_out.begin(), plan.held_out.end());
  }
  return plan;
}

absl::StatusOr<TaskEnvs> MakeTaskEnvs(const TaskConfig& task, TaskRole role, int num_envs, int threads,
                                      uint64_t seed, bool from_clip_start) {
  if (num_envs < 1) return absl::InvalidArgumentError("num_envs must be at least 1");
  TaskEnvs out;
  if (task.name() == "cartpole") {
    MIMIC_ASSIGN_OR_RETURN(auto env, CartpoleSwingup::Create(num_envs, seed));
    out.env = std::move(env);
  } else if (task.name() == "rodent") {
    MIMIC_ASSIGN_OR_RETURN(std::vector<ReferenceClip> all, LoadTaskClips(task));
    MIMIC_ASSIGN_OR_RETURN(ClipPlan plan, PlanClips(task, static_cast<int>(all.size())));
    const std::set<int> held_out(plan.held_out.begin(), plan.held_out.end());
    std::vector<ReferenceClip> clips;
    for (int id : role == TaskRole::kEvaluate ? plan.eval : plan.train) {
      clips.push_back(all[id]);
      out.clip_ids.push_back(id);
      out.held_out.push_back(held_out.count(id) > 0);
    }
    EnvConfig env_config = task.env();
    // the evaluator measures; only training adapts where episodes start
    if (role == TaskRole::kEvaluate) env_config.mutable_clip_sampling()->set_adaptive(false);
    // clips registered at another scale need the model at that scale
    if (!task.env().has_model_scale()) env_config.set_model_scale(clips.front().model_scale);
    // start frames are drawn from [0, T - min_frames_after_start]: a margin past every clip's
    // length leaves only frame 0
    if (from_clip_start) env_config.set_min_frames_after_start(1 << 30);
    MIMIC_ASSIGN_OR_RETURN(auto context, EnvContext::Create(env_config, clips));
    out.context = context;
    out.proprioception_size = context->spec().observation.proprioception_size();
    BatchedEnvOptions options;
    options.num_envs = num_envs;
    options.num_threads = std::max(1, threads);
    options.seed = seed;
    MIMIC_ASSIGN_OR_RETURN(auto env, BatchedEnv::Create(context, options));
    out.rodent = env.get();
    out.env = std::move(env);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown task '", task.name(), "': expected rodent or cartpole"));
  }
  out.obs_size = out.env->obs_size();
  out.num_actions = out.env->num_actions();
  return out;
}

void FillReplayTables(TrainConfig& config) {
  if (config.learner().algorithm_case() == LearnerConfig::ALGORITHM_NOT_SET) config.mutable_learner()->mutable_vmpo();
  const bool off_policy = config.learner().has_mpo();
  if (config.replay().tables_size() == 0) {
    TableConfig* table = config.mutable_replay()->add_tables();
    if (off_policy) {
      table->set_name("mpo");
      table->set_sampler(UNIFORM);
      table->set_remover(FIFO);
      table->set_max_size(20000);
      auto* limiter = table->mutable_sample_to_insert_ratio();
      limiter->set_samples_per_insert(4);
      limiter->set_min_size(std::max(200, 2 * config.learner_service().batch_size()));
      limiter->set_error_buffer(4.0 * config.learner_service().batch_size() * 4);
    } else {
      table->set_name("on_policy");
      // a queue a few batches deep: actors block instead of acting far ahead of the learner. Room
      // for two rounds of unrolls per actor writing to it, counted by replay as actors connect
      // (so on Kubernetes the actor StatefulSet's replicas set it; num_actors need not agree)
      table->set_max_size(4 * config.learner_service().batch_size());
      table->set_max_size_per_writer(2 * config.actor().num_envs());
      table->mutable_queue();
    }
  }
  if (!config.learner_service().has_table()) {
    config.mutable_learner_service()->set_table(config.replay().tables(0).name());
  }
}

namespace {

// A learning-rate decay spanning "the whole run" (updates 0) gets the updates the run's
// max_env_steps buys: each unroll of batch_size x unroll_length steps is sampled
// samples_per_insert times from a rate-limited table, once from a queue.
absl::Status FillLearningRateDecay(TrainConfig& config) {
  if (!config.learner().has_learning_rate_decay()) return absl::OkStatus();
  LearningRateDecay& decay = *config.mutable_learner()->mutable_learning_rate_decay();
  if (decay.updates() != 0) return absl::OkStatus();
  if (config.max_env_steps() <= 0) {
    return absl::InvalidArgumentError(
        "learner.learning_rate_decay spans the run's budget (updates 0) but the run has none: set "
        "max_env_steps (--env_steps / --max_env_steps) or learning_rate_decay.updates");
  }
  double samples_per_insert = 1;
  for (const TableConfig& table : config.replay().tables()) {
    if (table.name() == config.learner_service().table() && table.has_sample_to_insert_ratio()) {
      samples_per_insert = table.sample_to_insert_ratio().samples_per_insert();
    }
  }
  const double steps_per_update = static_cast<double>(config.learner_service().batch_size()) *
                                  config.actor().unroll_length() / samples_per_insert;
  decay.set_updates(static_cast<int64_t>(std::ceil(config.max_env_steps() / steps_per_update)));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TrainConfig> CompleteTrainConfig(TrainConfig config) {
  if (config.task().name() != "rodent" && config.task().name() != "cartpole") {
    return absl::InvalidArgumentError(
        absl::StrCat("task.name '", config.task().name(), "' is unknown: expected rodent or cartpole"));
  }
  if (config.num_actors() < 1) return absl::InvalidArgumentError("num_actors must be at least 1");
  if (config.actor().unroll_length() < 1) return absl::InvalidArgumentError("actor.unroll_length must be at least 1");
  if (config.learner_service().batch_size() < 1) return absl::InvalidArgumentError("learner_service.batch_size must be at least 1");
  if (config.task().name() == "rodent" && !config.learner().network().has_proprioception_size()) {
    MIMIC_ASSIGN_OR_RETURN(TaskEnvs probe, MakeTaskEnvs(config.task(), TaskRole::kTrain, 1, 1, 0));
    config.mutable_learner()->mutable_network()->set_proprioception_size(probe.proprioception_size);
  }
  FillReplayTables(config);
  bool found = false;
  for (const TableConfig& t : config.replay().tables()) found |= t.name() == config.learner_service().table();
  if (!found) {
    return absl::InvalidArgumentError(
        absl::StrCat("learner_service.table '", config.learner_service().table(), "' is not a replay table"));
  }
  MIMIC_RETURN_IF_ERROR(FillLearningRateDecay(config));
  MIMIC_RETURN_IF_ERROR(CheckLearnerConfig(config.learner()));
  return config;
}

}  // namespace mimic
