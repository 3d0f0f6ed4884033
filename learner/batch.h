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
  // [T, B, D] raw. Where transition t of column b ended its episode without terminating
  // (first[t+1] = 1 and discounts[t] > 0: a clip end or time limit), the episode's true last
  // observation, from which the targets bootstrap; zeros everywhere else. (On the wire only those
  // rows travel: see proto/unroll.proto.)
  torch::Tensor final_observations;
  PolicyState initial_state;         // before observations[0]

  int64_t unroll_length() const { return actions.size(0); }
  int64_t batch_size() const { return actions.size(1); }
};

// `fn` applied to every tensor of the batch, with the tensor's unroll dimension: 1 for the
// time-major fields, 0 for the initial recurrent state.
Batch MapBatch(const Batch& batch, const std::function<torch::Tensor(const torch::Tensor&, int64_t)>& fn);

// The unrolls at `columns` (a 1-d int64 index into B), e.g. a minibatch of an on-policy batch.
Batch SelectColumns(const Batch& batch, const torch::Tensor& columns);

// The batch from step k on (T − k steps), with `state` as the recurrent state before step k.
Batch TimeSuffix(const Batch& batch, int64_t k, const PolicyState& state);

// Checks every shape against the network's sizes and that nothing is NaN or infinite; the
// message names the offending field.
absl::Status ValidateBatch(const Batch& batch, int obs_size, int num_actions, int latent_size,
                           const std::vector<int64_t>& lstm_hidden_sizes);

// Per-transition discount the targets use: γ · discount_t. It is 0 only where the episode
// terminated; a truncated episode (clip end, time limit) keeps γ and bootstraps from the value of
// its final observation.
torch::Tensor TargetDiscounts(const Batch& batch, double gamma);

// [T, B] 1 where step t+1 continues step t's episode, 0 where the next observation already
// starts a new one: returns and traces must not run across that boundary.
torch::Tensor EpisodeContinues(const Batch& batch);

// [T, B] 1 where transition t ended its episode without terminating (the rows of
// final_observations that hold an observation).
torch::Tensor TruncatedSteps(const Batch& batch);

// The value of the state each transition led to, [T, B]: next_state_values[t] = V(x_{t+1}) from
// `values` [T+1, B], replaced where the episode was truncated at t by `final_values` [K] (the
// values of final_observations at the K truncated steps, in row-major (t, b) order; see
// TruncatedIndex). Where the episode terminated the value is multiplied by discount 0 anyway.
torch::Tensor NextStateValues(const Batch& batch, const torch::Tensor& values, const torch::Tensor& final_values);

// Row-major (t, b) indices of the truncated steps, [K, 2] (int64), for gathering per-step tensors.
torch::Tensor TruncatedIndex(const Batch& batch);

}  // namespace mimic

#endif  // MIMIC_LEARNER_BATCH_H_
