#include "learner/policy_actor.h"

#include <ATen/CPUGeneratorImpl.h>

#include "learner/gaussian.h"

namespace mimic {

PolicyActor::PolicyActor(Networks networks, int num_envs, uint64_t seed, bool deterministic)
    : networks_(std::move(networks)),
      state_(networks_->policy->InitialState(num_envs)),
      generator_(at::make_generator<at::CPUGeneratorImpl>(seed)),
      deterministic_(deterministic) {
  DrawNoise();
}

void PolicyActor::DrawNoise() {
  next_noise_ = torch::zeros({state_.batch_size(), networks_->policy->latent_size()});
  if (!deterministic_) next_noise_.normal_(0.0, 1.0, generator_);
}

ActionBatch PolicyActor::Act(const torch::Tensor& obs, const torch::Tensor& first,
                             bool record_activations) {
  torch::NoGradGuard no_grad;
  torch::Tensor normalized = networks_->normalizer->Normalize(obs);
  PolicyOutput out = networks_->policy->Forward(normalized.unsqueeze(0), first.unsqueeze(0),
                                                state_, next_noise_.unsqueeze(0),
                                                record_activations);
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
