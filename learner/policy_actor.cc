#include "learner/policy_actor.h"

#include <ATen/CPUGeneratorImpl.h>

#include "common/thread_pool.h"
#include "learner/gaussian.h"

namespace mimic {

namespace {

PolicyState NarrowState(const PolicyState& state, int64_t start, int64_t length) {
  std::vector<torch::Tensor> tensors = state.Flatten();
  for (torch::Tensor& t : tensors) t = t.narrow(0, start, length);
  return PolicyState::Unflatten(tensors, static_cast<int>(state.h.size()));
}

}  // namespace

PolicyActor::PolicyActor(Networks networks, int num_envs, uint64_t seed, bool deterministic,
                         int inference_threads)
    : networks_(std::move(networks)),
      state_(networks_->policy->InitialState(num_envs)),
      generator_(at::make_generator<at::CPUGeneratorImpl>(seed)),
      deterministic_(deterministic) {
  const int threads = std::min(std::max(1, inference_threads), num_envs);
  if (threads > 1) pool_ = std::make_unique<ThreadPool>(threads - 1);
  DrawNoise();
}

PolicyActor::~PolicyActor() = default;

PolicyOutput PolicyActor::Forward(const torch::Tensor& normalized, const torch::Tensor& first,
                                  bool record_activations) {
  if (!pool_ || record_activations) {
    return networks_->policy->Forward(normalized.unsqueeze(0), first.unsqueeze(0), state_,
                                      next_noise_.unsqueeze(0), record_activations);
  }
  // contiguous row shards, one per thread (the caller takes part)
  const int shards = pool_->num_workers() + 1;
  const int64_t rows = normalized.size(0);
  std::vector<PolicyOutput> outputs(shards);
  pool_->ParallelFor(shards, [&](int begin, int end) {
    torch::NoGradGuard no_grad;  // thread-local
    for (int s = begin; s < end; ++s) {
      const int64_t start = rows * s / shards, stop = rows * (s + 1) / shards;
      outputs[s] = networks_->policy->Forward(
          normalized.narrow(0, start, stop - start).unsqueeze(0), first.narrow(0, start, stop - start).unsqueeze(0),
          NarrowState(state_, start, stop - start), next_noise_.narrow(0, start, stop - start).unsqueeze(0),
          /*record_activations=*/false);
    }
  });
  PolicyOutput out;
  std::vector<torch::Tensor> means, stds;
  std::vector<PolicyState> states;
  for (const PolicyOutput& o : outputs) {
    means.push_back(o.action_mean);
    stds.push_back(o.action_std);
    states.push_back(o.final_state);
  }
  out.action_mean = torch::cat(means, 1);
  out.action_std = torch::cat(stds, 1);
  out.final_state = PolicyState::Stack(states);
  return out;
}

void PolicyActor::DrawNoise() {
  next_noise_ = torch::zeros({state_.batch_size(), networks_->policy->latent_size()});
  if (!deterministic_) next_noise_.normal_(0.0, 1.0, generator_);
}

ActionBatch PolicyActor::Act(const torch::Tensor& obs, const torch::Tensor& first,
                             bool record_activations) {
  torch::NoGradGuard no_grad;
  torch::Tensor normalized = networks_->normalizer->Normalize(obs);
  PolicyOutput out = Forward(normalized, first, record_activations);
  ActionBatch batch;
  batch.mean = out.action_mean[0];
  batch.std = out.action_std[0];
  batch.latent_noise = next_noise_;
  batch.action = deterministic_
                     ? batch.mean
                     : batch.mean + batch.std * StandardNormalLike(batch.mean, generator_);
  batch.log_prob = GaussianLogProb(batch.mean, batch.std, batch.action);
  for (auto& [name, tensor] : out.activations) batch.activations.emplace_back(name, tensor[0]);
  state_ = out.final_state;
  DrawNoise();
  return batch;
}

}  // namespace mimic
