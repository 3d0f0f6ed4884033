#include "learner/local_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "absl/strings/str_format.h"
#include "common/progress.h"
#include "common/status_macros.h"
#include "learner/sequence_replay.h"

namespace mimic {
namespace {

double Mean(const std::vector<double>& values) {
  if (values.empty()) return std::nan("");
  return std::accumulate(values.begin(), values.end(), 0.0) / values.size();
}

}  // namespace

absl::StatusOr<EvaluationResult> EvaluatePolicy(Networks networks, VectorEnv* env, uint64_t seed,
                                                int max_steps) {
  const int E = env->num_envs();
  PolicyActor actor(networks, E, seed, /*deterministic=*/true);
  MIMIC_RETURN_IF_ERROR(env->Reset());
  std::vector<double> returns(E, 0.0);
  std::vector<int> lengths(E, 0);
  std::vector<bool> done(E, false);
  int remaining = E;
  for (int t = 0; t < max_steps && remaining > 0; ++t) {
    ActionBatch act = actor.Act(ObservationsOf(*env), FirstFlagsOf(*env));
    torch::Tensor action = act.action.contiguous();
    MIMIC_RETURN_IF_ERROR(env->Step(absl::MakeConstSpan(action.data_ptr<float>(), action.numel())));
    for (int i = 0; i < E; ++i) {
      if (done[i]) continue;
      returns[i] += env->rewards()[i];
      lengths[i] += 1;
      if (env->first()[i]) {
        done[i] = true;
        --remaining;
      }
    }
  }
  EvaluationResult result;
  result.episodes = E;
  double total_steps = 0;
  for (int i = 0; i < E; ++i) {
    result.mean_return += returns[i] / E;
    result.mean_length += static_cast<double>(lengths[i]) / E;
    total_steps += lengths[i];
  }
  result.mean_reward_per_step = result.mean_return * E / std::max(1.0, total_steps);
  return result;
}

absl::StatusOr<std::vector<TrainingPoint>> TrainLocally(
    Learner* learner, VectorEnv* train_env, VectorEnv* eval_env,
    const LocalTrainingOptions& options,
    const std::function<void(const TrainingPoint&)>& on_point) {
  const bool off_policy = learner->algorithm_name() == "mpo";
  const int E = train_env->num_envs();
  PolicyActor actor(learner->acting_networks(), E, options.seed);
  UnrollCollector collector(train_env, &actor, options.unroll_length);
  MIMIC_RETURN_IF_ERROR(collector.Start());
  SequenceReplay replay(options.replay_capacity_sequences, options.seed + 1);
  at::Generator minibatch_rng = at::detail::createCPUGenerator(options.seed + 2);

  const auto start = std::chrono::steady_clock::now();
  std::vector<TrainingPoint> points;
  std::vector<double> recent_returns;
  int64_t env_steps = 0, updates = 0, next_eval = 0;
  double sample_credit = 0;
  LearnerMetrics last_metrics;
  Progress progress("train " + learner->algorithm_name(), options.env_steps, "steps");

  // A refused update (non-finite loss or gradients) changed nothing: skip it and carry on.
  auto update = [&](const Batch& batch) -> absl::Status {
    absl::StatusOr<LearnerMetrics> metrics = learner->Update(batch);
    if (absl::IsAborted(metrics.status())) return absl::OkStatus();
    MIMIC_RETURN_IF_ERROR(metrics.status());
    last_metrics = *std::move(metrics);
    ++updates;
    return absl::OkStatus();
  };

  auto evaluate = [&]() -> absl::Status {
    TrainingPoint point;
    point.env_steps = env_steps;
    point.updates = updates;
    point.train_return = Mean(recent_returns);
    recent_returns.clear();
    MIMIC_ASSIGN_OR_RETURN(point.eval, EvaluatePolicy(learner->acting_networks(), eval_env,
                                                      options.seed + 7 + env_steps,
                                                      options.eval_max_steps));
    point.loss = last_metrics.Get("loss");
    point.refused_updates = learner->refused_updates();
    point.last_update = last_metrics;
    point.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    points.push_back(point);
    if (on_point) on_point(point);
    progress.SetDetail(absl::StrFormat("| eval return %.1f, length %.0f, %lld updates",
                                       point.eval.mean_return, point.eval.mean_length,
                                       static_cast<long long>(updates)));
    return absl::OkStatus();
  };

  while (true) {
    if (env_steps >= next_eval) {
      MIMIC_RETURN_IF_ERROR(evaluate());
      next_eval += options.eval_every_steps;
      if (options.stop_at_eval_return > 0 &&
          points.back().eval.mean_return >= options.stop_at_eval_return) {
        break;
      }
      if (!options.checkpoint_dir.empty() && updates > 0) {
        MIMIC_RETURN_IF_ERROR(learner->SaveCheckpoint(options.checkpoint_dir).status());
      }
    }
    if (env_steps >= options.env_steps) break;
    MIMIC_ASSIGN_OR_RETURN(Batch batch, collector.Collect());
    env_steps += static_cast<int64_t>(options.unroll_length) * E;
    for (double r : collector.TakeFinishedReturns()) recent_returns.push_back(r);
    collector.TakeFinishedLengths();
    if (!off_policy) {
      const int64_t groups = std::clamp<int64_t>(options.minibatches, 1, batch.batch_size());
      for (int epoch = 0; epoch < std::max(1, options.epochs_per_batch); ++epoch) {
        if (groups == 1) {
          MIMIC_RETURN_IF_ERROR(update(batch));
          continue;
        }
        const torch::Tensor order = torch::randperm(batch.batch_size(), minibatch_rng, torch::kLong);
        for (torch::Tensor columns : order.chunk(groups)) MIMIC_RETURN_IF_ERROR(update(SelectColumns(batch, columns)));
      }
    } else {
      replay.Add(batch);
      if (replay.size() < options.min_replay_sequences) continue;
      sample_credit += options.samples_per_insert * options.unroll_length * E;
      const double per_update = static_cast<double>(options.batch_size) * options.unroll_length;
      while (sample_credit >= per_update) {
        MIMIC_RETURN_IF_ERROR(update(replay.Sample(options.batch_size)));
        sample_credit -= per_update;
      }
    }
    if (options.show_progress) progress.Update(env_steps);
  }
  if (options.show_progress) progress.Finish();
  if (!options.checkpoint_dir.empty() && updates > 0) {
    MIMIC_RETURN_IF_ERROR(learner->SaveCheckpoint(options.checkpoint_dir).status());
  }
  return points;
}

}  // namespace mimic
