#include "learner/wire_codec.h"

#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/tensor_util.h"

namespace mimic {
namespace {

// Per-step tensors of an unroll and whether they carry the bootstrap row (T+1 rather than T).
struct Field {
  const char* name;
  torch::Tensor Batch::*member;
  bool bootstrap_row;
};
constexpr Field kFields[] = {
    {"observation", &Batch::observations, true},
    {"first", &Batch::first, true},
    {"latent_noise", &Batch::latent_noise, true},
    {"action", &Batch::actions, false},
    {"behaviour_mean", &Batch::behaviour_mean, false},
    {"behaviour_std", &Batch::behaviour_std, false},
    {"behaviour_log_prob", &Batch::behaviour_log_prob, false},
    {"reward", &Batch::rewards, false},
    {"discount", &Batch::discounts, false},
};

// A truncated episode's last observation: [K, obs], one row per step t (in order) with first[t+1] = 1
// and discount[t] > 0. Usually K = 0, so an unroll carries a few extra observations at most.
constexpr char kFinalObservation[] = "final_observation";

std::vector<std::string> StateNames(int lstm_layers) {
  std::vector<std::string> names;
  for (int l = 0; l < lstm_layers; ++l) names.push_back(absl::StrCat("state/h", l));
  for (int l = 0; l < lstm_layers; ++l) names.push_back(absl::StrCat("state/c", l));
  names.push_back("state/prev_latent");
  names.push_back("state/has_prev");
  return names;
}

absl::StatusOr<torch::Tensor> Find(const Unroll& unroll, const std::string& name, int index) {
  auto it = unroll.tensors().find(name);
  if (it == unroll.tensors().end()) {
    return absl::InvalidArgumentError(absl::StrCat("unroll ", index, " has no tensor '", name, "'"));
  }
  return TensorFromProto(it->second, absl::StrCat("unroll ", index, " '", name, "'"));
}

std::map<std::string, torch::Tensor> ActorTensors(NetworksImpl& networks) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : networks.normalizer->named_buffers()) out["normalizer." + item.key()] = item.value();
  for (const auto& item : networks.policy->named_parameters()) out["policy." + item.key()] = item.value();
  for (const auto& item : networks.policy->named_buffers()) out["policy." + item.key()] = item.value();
  return out;
}

}  // namespace

Tensor TensorToProto(const torch::Tensor& tensor) {
  torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
  Tensor proto;
  proto.set_dtype(t.scalar_type() == torch::kFloat64 ? DTYPE_FLOAT64 : DTYPE_FLOAT32);
  if (t.scalar_type() != torch::kFloat64) t = t.to(torch::kFloat32);
  for (int64_t d : t.sizes()) proto.add_shape(d);
  proto.set_data(t.data_ptr(), t.numel() * t.element_size());
  return proto;
}

absl::StatusOr<torch::Tensor> TensorFromProto(const Tensor& proto, const std::string& name) {
  MIMIC_RETURN_IF_ERROR(CheckTensor(proto, name));
  if (proto.dtype() != DTYPE_FLOAT32 && proto.dtype() != DTYPE_FLOAT64) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": dtype ", DTypeName(proto.dtype()), ", expected float32 or float64"));
  }
  const auto dtype = proto.dtype() == DTYPE_FLOAT64 ? torch::kFloat64 : torch::kFloat32;
  std::vector<int64_t> shape(proto.shape().begin(), proto.shape().end());
  torch::Tensor t = torch::empty(shape, dtype);
  if (!proto.data().empty()) std::memcpy(t.data_ptr(), proto.data().data(), proto.data().size());
  return t;
}

std::vector<Unroll> SplitBatch(const Batch& batch, const UnrollOrigin& origin) {
  const int64_t B = batch.batch_size();
  std::vector<Unroll> out(B);
  const std::vector<torch::Tensor> state = batch.initial_state.Flatten();
  const std::vector<std::string> state_names = StateNames(batch.initial_state.h.size());
  const torch::Tensor truncated = TruncatedSteps(batch);
  for (int64_t b = 0; b < B; ++b) {
    Unroll& u = out[b];
    auto& tensors = *u.mutable_tensors();
    for (const Field& f : kFields) tensors[f.name] = TensorToProto((batch.*f.member).select(1, b));
    const torch::Tensor steps = torch::nonzero(truncated.select(1, b)).squeeze(1);
    tensors[kFinalObservation] = TensorToProto(batch.final_observations.select(1, b).index_select(0, steps));
    for (size_t i = 0; i < state.size(); ++i) tensors[state_names[i]] = TensorToProto(state[i][b]);
    u.set_policy_version(origin.policy_version);
    u.set_actor_id(origin.actor_id);
    u.set_env_id(static_cast<int32_t>(b));
    if (!origin.clip_ids.empty()) u.set_clip_id(origin.clip_ids[b]);
    if (!origin.first_frames.empty()) u.set_first_frame(origin.first_frames[b]);
  }
  return out;
}

absl::StatusOr<Batch> StackUnrolls(const std::vector<const Unroll*>& unrolls, int lstm_layers) {
  return StackTensors(
      unrolls.size(), [&unrolls](size_t i, const std::string& name) { return Find(*unrolls[i], name, static_cast<int>(i)); },
      lstm_layers);
}

absl::StatusOr<Batch> StackTensors(size_t count, const UnrollTensorLookup& find, int lstm_layers) {
  if (count == 0) return absl::InvalidArgumentError("no unrolls to stack");
  Batch batch;
  for (const Field& f : kFields) {
    std::vector<torch::Tensor> columns;
    for (size_t i = 0; i < count; ++i) {
      MIMIC_ASSIGN_OR_RETURN(torch::Tensor t, find(i, f.name));
      if (!columns.empty() && t.sizes() != columns.front().sizes()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "unroll ", i, " '", f.name, "' has shape [", absl::StrJoin(t.sizes(), ","),
            "] but unroll 0 has [", absl::StrJoin(columns.front().sizes(), ","), "]"));
      }
      columns.push_back(t.to(torch::kFloat32));
    }
    batch.*f.member = torch::stack(columns, 1);
  }
  const int64_t T = batch.actions.size(0);
  for (const Field& f : kFields) {
    const int64_t rows = (batch.*f.member).size(0);
    if (rows != T + (f.bootstrap_row ? 1 : 0)) {
      return absl::InvalidArgumentError(absl::StrCat("'", f.name, "' has ", rows, " steps; the unroll's actions have ",
                                                     T, f.bootstrap_row ? " (expected T+1)" : " (expected T)"));
    }
  }
  // final observations: sparse on the wire, dense [T, B, obs] in the batch
  const int64_t B = static_cast<int64_t>(count), D = batch.observations.size(2);
  const torch::Tensor truncated = TruncatedSteps(batch);
  batch.final_observations = torch::zeros({T, B, D});
  for (size_t i = 0; i < count; ++i) {
    MIMIC_ASSIGN_OR_RETURN(torch::Tensor rows, find(i, kFinalObservation));
    const torch::Tensor steps = torch::nonzero(truncated.select(1, i)).squeeze(1);
    if (rows.dim() != 2 || rows.size(0) != steps.size(0) || rows.size(1) != D) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unroll ", i, " '", kFinalObservation, "' has shape [", absl::StrJoin(rows.sizes(), ","), "]; its ",
          steps.size(0), " truncated episode ends (first[t+1] = 1, discount[t] > 0) need [", steps.size(0), ",", D,
          "]"));
    }
    batch.final_observations.select(1, i).index_copy_(0, steps, rows.to(torch::kFloat32));
  }

  std::vector<torch::Tensor> state;
  for (const std::string& name : StateNames(lstm_layers)) {
    std::vector<torch::Tensor> rows;
    for (size_t i = 0; i < count; ++i) {
      MIMIC_ASSIGN_OR_RETURN(torch::Tensor t, find(i, name));
      if (!rows.empty() && t.sizes() != rows.front().sizes()) {
        return absl::InvalidArgumentError(absl::StrCat("unroll ", i, " '", name, "' differs in shape from unroll 0"));
      }
      rows.push_back(t.to(torch::kFloat32));
    }
    state.push_back(torch::stack(rows, 0));
  }
  batch.initial_state = PolicyState::Unflatten(state, lstm_layers);
  return batch;
}

TensorMap PolicyParametersToProto(NetworksImpl& networks) {
  TensorMap out;
  for (const auto& [name, tensor] : ActorTensors(networks)) (*out.mutable_tensors())[name] = TensorToProto(tensor);
  return out;
}

absl::Status LoadPolicyParameters(const TensorMap& parameters, NetworksImpl& networks) {
  std::map<std::string, torch::Tensor> targets = ActorTensors(networks);
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;
  for (const auto& [name, target] : targets) {
    auto it = parameters.tensors().find(name);
    if (it == parameters.tensors().end()) {
      return absl::InvalidArgumentError(absl::StrCat("parameters lack '", name, "'"));
    }
    MIMIC_ASSIGN_OR_RETURN(torch::Tensor source, TensorFromProto(it->second, "parameter '" + name + "'"));
    if (source.sizes() != target.sizes()) {
      return absl::InvalidArgumentError(absl::StrCat("parameter '", name, "' has shape [",
                                                     absl::StrJoin(source.sizes(), ","), "], the network has [",
                                                     absl::StrJoin(target.sizes(), ","), "]"));
    }
    copies.emplace_back(target, source);
  }
  if (parameters.tensors_size() != static_cast<int>(targets.size())) {
    for (const auto& [name, unused] : parameters.tensors()) {
      if (!targets.count(name)) return absl::InvalidArgumentError(absl::StrCat("unknown parameter '", name, "'"));
    }
  }
  torch::NoGradGuard no_grad;
  for (auto& [target, source] : copies) target.copy_(source.to(target.dtype()));
  return absl::OkStatus();
}

}  // namespace mimic
