// Batched policy inference for a set of environments: one forward pass per step for all of
// them, no autograd, the recurrent state and latent noise kept per environment.
#ifndef MIMIC_LEARNER_POLICY_ACTOR_H_
#define MIMIC_LEARNER_POLICY_ACTOR_H_

#include <memory>

#include <torch/torch.h>

#include "learner/networks.h"
#include "learner/policy_network.h"

namespace mimic {

class ThreadPool;

struct ActionBatch {
  torch::Tensor action;        // [B, A] as sampled (environments clip to their bounds)
  torch::Tensor mean, std;     // [B, A]
  torch::Tensor log_prob;      // [B]
  torch::Tensor latent_noise;  // [B, L] the ε used at this step
  NamedActivations activations;  // [B, n] each, when recording
};

class PolicyActor {
 public:
  // deterministic: no latent noise and the action mean (evaluation). inference_threads > 1 splits
  // the rows of each forward pass across that many threads (one BLAS thread each): on cores the
  // physics leaves idle while the policy runs, the pass takes about 1/n of the time. Results do
  // not depend on it beyond float rounding.
  PolicyActor(Networks networks, int num_envs, uint64_t seed, bool deterministic = false,
              int inference_threads = 1);
  ~PolicyActor();

  // obs [B, D] raw; first [B] (0/1) resets those rows' recurrent state before acting.
  ActionBatch Act(const torch::Tensor& obs, const torch::Tensor& first,
                  bool record_activations = false);

  // The state before the next Act, and the latent noise the next Act will use.
  const PolicyState& state() const { return state_; }
  const torch::Tensor& next_latent_noise() const { return next_noise_; }

 private:
  void DrawNoise();
  PolicyOutput Forward(const torch::Tensor& normalized, const torch::Tensor& first, bool record_activations);

  Networks networks_;
  PolicyState state_;
  at::Generator generator_;
  bool deterministic_;
  torch::Tensor next_noise_;
  std::unique_ptr<ThreadPool> pool_;  // inference_threads - 1 helpers
};

}  // namespace mimic

#endif  // MIMIC_LEARNER_POLICY_ACTOR_H_
