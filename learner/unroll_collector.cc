#include "learner/unroll_collector.h"

#include <chrono>
#include <cstring>

#include "common/status_macros.h"

namespace mimic {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

torch::Tensor ObservationsOf(const VectorEnv& env) {
  return torch::from_blob(const_cast<float*>(env.observations()), {env.num_envs(), env.obs_size()}, torch::kFloat32)
      .clone();
}

torch::Tensor TruncatedFinalObservationsOf(const VectorEnv& env) {
  const int n = env.num_envs(), d = env.obs_size();
  torch::Tensor out = torch::zeros({n, d});
  float* rows = out.data_ptr<float>();
  for (int i = 0; i < n; ++i) {
    if (env.first()[i] && env.discounts()[i] > 0) {
      std::memcpy(rows + static_cast<size_t>(i) * d, env.final_observations() + static_cast<size_t>(i) * d,
                  d * sizeof(float));
    }
  }
  return out;
}

torch::Tensor FirstFlagsOf(const VectorEnv& env) {
  return torch::from_blob(const_cast<uint8_t*>(env.first()), {env.num_envs()}, torch::kUInt8).to(torch::kFloat32);
}

UnrollCollector::UnrollCollector(VectorEnv* env, PolicyActor* actor, int unroll_length)
    : env_(env),
      actor_(actor),
      unroll_length_(unroll_length),
      running_return_(env->num_envs(), 0.0),
      running_length_(env->num_envs(), 0) {}

absl::Status UnrollCollector::Start() { return env_->Reset(); }

absl::StatusOr<Batch> UnrollCollector::Collect() {
  const int E = env_->num_envs();
  std::vector<torch::Tensor> obs, first, actions, means, stds, log_probs, noise, rewards, discounts, finals;
  Batch batch;
  batch.initial_state = actor_->state();
  for (int t = 0; t < unroll_length_; ++t) {
    torch::Tensor o = ObservationsOf(*env_);
    torch::Tensor f = FirstFlagsOf(*env_);
    const auto inference_start = std::chrono::steady_clock::now();
    ActionBatch act = actor_->Act(o, f);
    const auto env_start = std::chrono::steady_clock::now();
    inference_seconds_ += std::chrono::duration<double>(env_start - inference_start).count();
    obs.push_back(o);
    first.push_back(f);
    actions.push_back(act.action);
    means.push_back(act.mean);
    stds.push_back(act.std);
    log_probs.push_back(act.log_prob);
    noise.push_back(act.latent_noise);
    torch::Tensor action = act.action.contiguous();
    MIMIC_RETURN_IF_ERROR(env_->Step(absl::MakeConstSpan(action.data_ptr<float>(), action.numel())));
    env_seconds_ += SecondsSince(env_start);
    rewards.push_back(torch::from_blob(const_cast<float*>(env_->rewards()), {E}).clone());
    discounts.push_back(torch::from_blob(const_cast<float*>(env_->discounts()), {E}).clone());
    finals.push_back(TruncatedFinalObservationsOf(*env_));
    for (int i = 0; i < E; ++i) {
      running_return_[i] += env_->rewards()[i];
      running_length_[i] += 1;
      if (env_->first()[i]) {
        finished_returns_.push_back(running_return_[i]);
        finished_lengths_.push_back(running_length_[i]);
        running_return_[i] = 0;
        running_length_[i] = 0;
      }
    }
  }
  obs.push_back(ObservationsOf(*env_));
  first.push_back(FirstFlagsOf(*env_));
  noise.push_back(actor_->next_latent_noise());
  batch.observations = torch::stack(obs, 0);
  batch.first = torch::stack(first, 0);
  batch.actions = torch::stack(actions, 0);
  batch.behaviour_mean = torch::stack(means, 0);
  batch.behaviour_std = torch::stack(stds, 0);
  batch.behaviour_log_prob = torch::stack(log_probs, 0);
  batch.latent_noise = torch::stack(noise, 0);
  batch.rewards = torch::stack(rewards, 0);
  batch.discounts = torch::stack(discounts, 0);
  batch.final_observations = torch::stack(finals, 0);
  return batch;
}

std::vector<double> UnrollCollector::TakeFinishedReturns() { return std::exchange(finished_returns_, {}); }

std::vector<int> UnrollCollector::TakeFinishedLengths() { return std::exchange(finished_lengths_, {}); }

}  // namespace mimic
