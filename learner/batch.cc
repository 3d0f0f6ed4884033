#include "learner/batch.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mimic {
namespace {

std::string ShapeString(const torch::Tensor& t) {
  if (!t.defined()) return "undefined";
  return absl::StrCat("[", absl::StrJoin(t.sizes().vec(), ", "), "]");
}

absl::Status CheckTensor(const char* name, const torch::Tensor& t,
                         const std::vector<int64_t>& expected) {
  if (!t.defined() || t.sizes().vec() != expected) {
    return absl::InvalidArgumentError(absl::StrCat("batch field ", name, " has shape ",
                                                   ShapeString(t), ", expected [",
                                                   absl::StrJoin(expected, ", "), "]"));
  }
  if (!torch::isfinite(t).all().item<bool>()) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch field ", name, " contains NaN or infinite values"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateBatch(const Batch& batch, int obs_size, int num_actions, int latent_size,
                           const std::vector<int64_t>& lstm_hidden_sizes) {
  if (!batch.actions.defined() || batch.actions.dim() != 3) {
    return absl::InvalidArgumentError(absl::StrCat("batch field actions has shape ",
                                                   ShapeString(batch.actions),
                                                   ", expected [T, B, ", num_actions, "]"));
  }
  const int64_t T = batch.actions.size(0), B = batch.actions.size(1);
  if (T < 1 || B < 1) return absl::InvalidArgumentError("batch is empty");
  for (auto [name, tensor, shape] : std::vector<std::tuple<const char*, torch::Tensor,
                                                           std::vector<int64_t>>>{
           {"observations", batch.observations, {T + 1, B, obs_size}},
           {"first", batch.first, {T + 1, B}},
           {"actions", batch.actions, {T, B, num_actions}},
           {"rewards", batch.rewards, {T, B}},
           {"discounts", batch.discounts, {T, B}},
           {"behaviour_mean", batch.behaviour_mean, {T, B, num_actions}},
           {"behaviour_std", batch.behaviour_std, {T, B, num_actions}},
           {"behaviour_log_prob", batch.behaviour_log_prob, {T, B}},
           {"latent_noise", batch.latent_noise, {T + 1, B, latent_size}},
           {"final_observations", batch.final_observations, {T, B, obs_size}},
           {"initial_state.prev_latent", batch.initial_state.prev_latent, {B, latent_size}},
           {"initial_state.has_prev", batch.initial_state.has_prev, {B}}}) {
    absl::Status status = CheckTensor(name, tensor, shape);
    if (!status.ok()) return status;
  }
  const size_t layers = lstm_hidden_sizes.size();
  if (batch.initial_state.h.size() != layers || batch.initial_state.c.size() != layers) {
    return absl::InvalidArgumentError(absl::StrCat("batch initial_state has ",
                                                   batch.initial_state.h.size(),
                                                   " LSTM layers, expected ", layers));
  }
  for (size_t l = 0; l < layers; ++l) {
    const int64_t hidden = lstm_hidden_sizes[l];
    for (const torch::Tensor* t : {&batch.initial_state.h[l], &batch.initial_state.c[l]}) {
      absl::Status status = CheckTensor("initial_state.lstm", *t, {B, hidden});
      if (!status.ok()) return status;
    }
  }
  if (!(batch.behaviour_std > 0).all().item<bool>()) {
    return absl::InvalidArgumentError("batch field behaviour_std has non-positive values");
  }
  return absl::OkStatus();
}

Batch MapBatch(const Batch& batch, const std::function<torch::Tensor(const torch::Tensor&, int64_t)>& fn) {
  auto time_major = [&fn](const torch::Tensor& t) { return t.defined() ? fn(t, 1) : t; };
  auto state = [&fn](const torch::Tensor& t) { return t.defined() ? fn(t, 0) : t; };
  Batch out;
  out.observations = time_major(batch.observations);
  out.first = time_major(batch.first);
  out.actions = time_major(batch.actions);
  out.rewards = time_major(batch.rewards);
  out.discounts = time_major(batch.discounts);
  out.behaviour_mean = time_major(batch.behaviour_mean);
  out.behaviour_std = time_major(batch.behaviour_std);
  out.behaviour_log_prob = time_major(batch.behaviour_log_prob);
  out.latent_noise = time_major(batch.latent_noise);
  out.final_observations = time_major(batch.final_observations);
  for (const torch::Tensor& h : batch.initial_state.h) out.initial_state.h.push_back(state(h));
  for (const torch::Tensor& c : batch.initial_state.c) out.initial_state.c.push_back(state(c));
  out.initial_state.prev_latent = state(batch.initial_state.prev_latent);
  out.initial_state.has_prev = state(batch.initial_state.has_prev);
  return out;
}

Batch SelectColumns(const Batch& batch, const torch::Tensor& columns) {
  return MapBatch(batch, [&columns](const torch::Tensor& t, int64_t dim) { return t.index_select(dim, columns); });
}

Batch TimeSuffix(const Batch& batch, int64_t k, const PolicyState& state) {
  Batch out = MapBatch(batch, [k](const torch::Tensor& t, int64_t dim) { return dim == 1 ? t.slice(0, k) : t; });
  out.initial_state = state;
  return out;
}

torch::Tensor TargetDiscounts(const Batch& batch, double gamma) { return gamma * batch.discounts; }

torch::Tensor EpisodeContinues(const Batch& batch) { return 1.0 - batch.first.slice(0, 1); }

torch::Tensor TruncatedSteps(const Batch& batch) {
  return batch.first.slice(0, 1) * (batch.discounts > 0).to(batch.first.scalar_type());
}

torch::Tensor TruncatedIndex(const Batch& batch) { return torch::nonzero(TruncatedSteps(batch) > 0); }

torch::Tensor NextStateValues(const Batch& batch, const torch::Tensor& values, const torch::Tensor& final_values) {
  torch::Tensor next = values.slice(0, 1).clone();
  if (final_values.numel() > 0) {
    const torch::Tensor index = TruncatedIndex(batch).to(next.device());
    next.index_put_({index.select(1, 0), index.select(1, 1)}, final_values.to(next.scalar_type()));
  }
  return next;
}

}  // namespace mimic
