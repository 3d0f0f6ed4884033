// A learner batch: B unrolls of T steps, time-major, in the unroll contract's terms. Every
// algorithm trains on this one format.
#ifndef MIMIC_LEARNER_BATCH_H_
#define MIMIC_LEARNER_BATCH_H_

#include <functional>
#include <vector>

#include <torch/torch.h>

#include "absl/status/status.h"
#include "learner/policy_network.h"

namespace mimic {

struct Batch {
  torch::Tensor observations;        // [T+1, B, D] raw; the last row bootstraps
  torch::Tensor first;               // [T+1, B] 1 where a new episode starts at that step
  torch::Tensor actions;             // [T, B, A] as sampled (before clipping to the bounds)
  torch::Tensor rewards;             // [T, B]
  torch::Tensor discounts;           // [T, B] environment discount: 0 at termination
  torch::Tensor behaviour_mean;      // [T, B, A]
  torch::Tensor behaviour_std;       // [T, B, A]
  torch::Tensor behaviour_log_prob;  // [T, B]
  torch::Tensor latent_noise;        // [T+1, B, L] the ε actors drew (z = μ + σ ε)
  PolicyState initial_state;         // before observations[0]

  int64_t unroll_length() const { return actions.size(0); }
  int64_t batch_size() const { return actions.size(1); }
};

// `fn` applied to every tensor of the batch, with the tensor's unroll dimension: 1 for the
// time-major fields, 0 for the initial recurrent state.
Batch MapBatch(const Batch& batch, const std::function<torch::Tensor(const torch::Tensor&, int64_t)>& fn);

// The unrolls at `columns` (a 1-d int64 index into B), e.g. a minibatch of an on-policy batch.
Batch SelectColumns(const Batch& batch, const torch::Tensor& columns);

// Checks every shape against the network's sizes and that nothing is NaN or infinite; the
// message names the offending field.
absl::Status ValidateBatch(const Batch& batch, int obs_size, int num_actions, int latent_size,
                           const std::vector<int64_t>& lstm_hidden_sizes);

// Per-transition discount the targets use: γ · discount_t, and 0 where the next observation
// already starts a new episode (auto-reset): the true next state is not in the batch, so a
// time-limit end is treated as terminal.
torch::Tensor EffectiveDiscounts(const Batch& batch, double gamma);

}  // namespace mimic

#endif  // MIMIC_LEARNER_BATCH_H_
