// Learner data on the wire: a batch cut into per-environment unrolls (contract 4) and stacked
// back, and the actor-facing part of the networks as versioned parameters (contract 5). Every
// decode checks names, dtypes and shapes, so a malformed message is an error naming the field.
#ifndef MIMIC_LEARNER_WIRE_CODEC_H_
#define MIMIC_LEARNER_WIRE_CODEC_H_

#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "learner/batch.h"
#include "learner/networks.h"
#include "proto/tensor.pb.h"
#include "proto/unroll.pb.h"

namespace mimic {

// float32 and float64 CPU tensors (the normaliser keeps float64 statistics; the rest is float32).
Tensor TensorToProto(const torch::Tensor& tensor);
absl::StatusOr<torch::Tensor> TensorFromProto(const Tensor& proto, const std::string& name);

// Where each column of a [T+1, B] batch came from.
struct UnrollOrigin {
  int64_t policy_version = 0;
  int32_t actor_id = 0;
  std::vector<int32_t> clip_ids;     // per column; empty = 0
  std::vector<int32_t> first_frames;  // per column; empty = 0
};

// Column b of `batch` as one Unroll (tensors named as in proto/unroll.proto; the recurrent state
// as state/h0, state/h1, …, state/c0, …, state/prev_latent, state/has_prev; the final observations
// of truncated episodes as final_observation [K, obs], only the K rows that hold one).
std::vector<Unroll> SplitBatch(const Batch& batch, const UnrollOrigin& origin);

// The unrolls side by side as one batch. They must share T and every size; `lstm_layers` must
// match the network that reads the batch.
absl::StatusOr<Batch> StackUnrolls(const std::vector<const Unroll*>& unrolls, int lstm_layers);

// The same from any source of named tensors: `find(i, name)` is unroll i's tensor (an error
// naming what is missing or malformed). Tensors need only live until this returns.
using UnrollTensorLookup = std::function<absl::StatusOr<torch::Tensor>(size_t index, const std::string& name)>;
absl::StatusOr<Batch> StackTensors(size_t count, const UnrollTensorLookup& find, int lstm_layers);

// What actors need to act: the observation normaliser and the policy (not the critic).
TensorMap PolicyParametersToProto(NetworksImpl& networks);
// Loads parameters made by PolicyParametersToProto into a network of the same configuration.
// Nothing changes unless every tensor is present with the right shape.
absl::Status LoadPolicyParameters(const TensorMap& parameters, NetworksImpl& networks);

}  // namespace mimic

#endif  // MIMIC_LEARNER_WIRE_CODEC_H_
