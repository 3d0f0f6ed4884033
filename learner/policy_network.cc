#include "learner/policy_network.h"

#include <algorithm>
#include <cmath>

#include "learner/gaussian.h"
#include "learner/small_batch_linear.h"

namespace mimic {
namespace {

// One LSTM cell step, as torch::nn::LSTMCell computes it (gates i, f, g, o), with both products
// through InferenceLinear2 when acting on a few rows.
std::tuple<torch::Tensor, torch::Tensor> LstmStep(torch::nn::LSTMCellImpl& cell, const torch::Tensor& x,
                                                  const torch::Tensor& h, const torch::Tensor& c) {
  if (!UsesSmallBatchKernel(x)) return cell.forward(x, std::make_tuple(h, c));
  const torch::Tensor gates = InferenceLinear2(x, cell.weight_ih, cell.bias_ih, h, cell.weight_hh, cell.bias_hh);
  const std::vector<torch::Tensor> g = gates.chunk(4, -1);
  const torch::Tensor next_c = torch::sigmoid(g[1]) * c + torch::sigmoid(g[0]) * torch::tanh(g[2]);
  return {torch::sigmoid(g[3]) * torch::tanh(next_c), next_c};
}

std::vector<int> Sizes(const google::protobuf::RepeatedField<int32_t>& field) {
  return std::vector<int>(field.begin(), field.end());
}

}  // namespace

NetworkConfig WithNetworkDefaults(NetworkConfig config, int obs_size) {
  if (config.encoder_sizes().empty()) {
    for (int s : {1024, 512, 512, 512, 512}) config.add_encoder_sizes(s);
  }
  if (config.decoder_sizes().empty()) {
    if (config.decoder() == "mlp") {
      for (int s : {512, 512, 512, 256, 256}) config.add_decoder_sizes(s);
    } else {
      for (int s : {512, 512}) config.add_decoder_sizes(s);
    }
  }
  if (config.critic_sizes().empty()) {
    for (int s : {1024, 512, 256}) config.add_critic_sizes(s);
  }
  if (config.proprioception_size() == 0) {
    config.set_proprioception_offset(0);
    config.set_proprioception_size(obs_size);
  }
  // explicit, so that saved configs and checkpoint signatures say which posterior they hold
  if (!config.has_latent_posterior()) config.set_latent_posterior(config.latent_posterior());
  return config;
}

absl::StatusOr<LatentNoiseShape> ParseLatentNoiseShape(const std::string& name) {
  if (name == "standard") return LatentNoiseShape::kStandard;
  if (name == "uniform") return LatentNoiseShape::kUniform;
  if (name == "inverted") return LatentNoiseShape::kInverted;
  return absl::InvalidArgumentError("unknown latent noise shape '" + name +
                                    "': expected standard, uniform or inverted");
}

torch::Tensor ShapeLatentStd(const torch::Tensor& latent_std, LatentNoiseShape shape, double gain) {
  switch (shape) {
    case LatentNoiseShape::kStandard:
      return gain * latent_std;
    case LatentNoiseShape::kUniform:
      return gain * latent_std.mean(-1, /*keepdim=*/true).expand_as(latent_std);
    case LatentNoiseShape::kInverted: {
      // Ascending ranks; the dimension with rank r receives the value of rank L−1−r.
      auto [sorted, order] = latent_std.sort(-1);
      torch::Tensor reversed = sorted.flip(-1);
      return gain * torch::empty_like(latent_std).scatter_(-1, order, reversed);
    }
  }
  return gain * latent_std;
}

PolicyState PolicyState::Select(const torch::Tensor& rows) const {
  PolicyState out;
  for (const auto& t : h) out.h.push_back(t.index_select(0, rows));
  for (const auto& t : c) out.c.push_back(t.index_select(0, rows));
  out.prev_latent = prev_latent.index_select(0, rows);
  out.has_prev = has_prev.index_select(0, rows);
  return out;
}

PolicyState PolicyState::Stack(const std::vector<PolicyState>& states) {
  PolicyState out;
  const size_t layers = states.front().h.size();
  auto cat = [&](auto getter) {
    std::vector<torch::Tensor> parts;
    for (const auto& s : states) parts.push_back(getter(s));
    return torch::cat(parts, 0);
  };
  for (size_t l = 0; l < layers; ++l) {
    out.h.push_back(cat([l](const PolicyState& s) { return s.h[l]; }));
    out.c.push_back(cat([l](const PolicyState& s) { return s.c[l]; }));
  }
  out.prev_latent = cat([](const PolicyState& s) { return s.prev_latent; });
  out.has_prev = cat([](const PolicyState& s) { return s.has_prev; });
  return out;
}

std::vector<torch::Tensor> PolicyState::Flatten() const {
  std::vector<torch::Tensor> out(h.begin(), h.end());
  out.insert(out.end(), c.begin(), c.end());
  out.push_back(prev_latent);
  out.push_back(has_prev);
  return out;
}

PolicyState PolicyState::Unflatten(const std::vector<torch::Tensor>& tensors, int lstm_layers) {
  PolicyState out;
  for (int l = 0; l < lstm_layers; ++l) out.h.push_back(tensors[l]);
  for (int l = 0; l < lstm_layers; ++l) out.c.push_back(tensors[lstm_layers + l]);
  out.prev_latent = tensors[2 * lstm_layers];
  out.has_prev = tensors[2 * lstm_layers + 1];
  return out;
}

PolicyState PolicyState::Detached() const {
  PolicyState out;
  for (const auto& t : h) out.h.push_back(t.detach());
  for (const auto& t : c) out.c.push_back(t.detach());
  out.prev_latent = prev_latent.detach();
  out.has_prev = has_prev.detach();
  return out;
}

PolicyState StateAfterSteps(const PolicyOutput& out, const torch::Tensor& index) {
  const torch::Tensor t = index.select(1, 0).to(out.latent.device());
  const torch::Tensor b = index.select(1, 1).to(out.latent.device());
  PolicyState state;
  for (const torch::Tensor& h : out.step_h) state.h.push_back(h.index({t, b}));
  for (const torch::Tensor& c : out.step_c) state.c.push_back(c.index({t, b}));
  state.prev_latent = out.latent.index({t, b});
  state.has_prev = torch::ones({index.size(0)}, out.latent.options());
  return state;
}

PolicyNetImpl::PolicyNetImpl(const NetworkConfig& config, int obs_size, int num_actions)
    : config_(config),
      obs_size_(obs_size),
      num_actions_(num_actions),
      latent_size_(config.latent_size()),
      autoregressive_(config.latent_posterior() == "autoregressive") {
  // the autoregressive posterior's encoder reads [observation, previous latent]
  encoder_ = register_module(
      "encoder", LayerNormMlp(obs_size + (autoregressive_ ? latent_size_ : 0), Sizes(config.encoder_sizes())));
  latent_head_ = register_module(
      "latent_head", torch::nn::Linear(encoder_->output_size(), 2 * latent_size_));
  int in = latent_size_ + config.proprioception_size();
  if (config.decoder() == "lstm") {
    for (int l = 0; l < config.decoder_sizes_size(); ++l) {
      const int hidden = config.decoder_sizes(l);
      lstm_.push_back(register_module("lstm" + std::to_string(l),
                                      torch::nn::LSTMCell(torch::nn::LSTMCellOptions(in, hidden))));
      in = hidden;
    }
  } else {
    decoder_mlp_ = register_module("decoder", torch::nn::ModuleList());
    for (int size : config.decoder_sizes()) {
      decoder_mlp_->push_back(torch::nn::Linear(in, size));
      in = size;
    }
  }
  action_head_ = register_module("action_head", torch::nn::Linear(in, 2 * num_actions));
  // The bias maps a zero pre-activation to init std, so an untrained policy explores at a known scale.
  const double min_std = config.min_action_std(), max_std = config.max_action_std();
  const double init_std = config.init_action_std();
  if (max_std > 0) {
    const double u = std::clamp((init_std - min_std) / (max_std - min_std), 1e-6, 1 - 1e-6);
    std_bias_ = std::log(u / (1 - u));
  } else {
    std_bias_ = std::log(std::expm1(init_std));
  }
  {
    torch::NoGradGuard no_grad;
    action_head_->weight.mul_(0.01);  // small initial means, as Acme's heads do
    action_head_->bias.zero_();
  }
}

PolicyState PolicyNetImpl::InitialState(int batch_size) const {
  PolicyState state;
  for (int64_t hidden : lstm_hidden_sizes()) {
    state.h.push_back(torch::zeros({batch_size, hidden}));
    state.c.push_back(torch::zeros({batch_size, hidden}));
  }
  state.prev_latent = torch::zeros({batch_size, latent_size_});
  state.has_prev = torch::zeros({batch_size});
  return state;
}

std::vector<std::string> PolicyNetImpl::LayerNames() const {
  std::vector<std::string> names;
  for (int i = 0; i < config_.encoder_sizes_size(); ++i) {
    names.push_back("encoder/" + std::to_string(i));
  }
  names.insert(names.end(), {"latent/mean", "latent/std", "latent/sample"});
  for (size_t l = 0; l < lstm_.size(); ++l) {
    names.push_back("decoder/lstm" + std::to_string(l) + "/h");
    names.push_back("decoder/lstm" + std::to_string(l) + "/c");
  }
  for (size_t i = 0; decoder_mlp_ && i < decoder_mlp_->size(); ++i) {
    names.push_back("decoder/" + std::to_string(i));
  }
  names.insert(names.end(), {"action/mean", "action/std"});
  return names;
}

PolicyOutput PolicyNetImpl::Forward(const torch::Tensor& obs, const torch::Tensor& first,
                                    const PolicyState& state, const torch::Tensor& latent_noise,
                                    bool record_activations) {
  PolicyOutput out;
  NamedActivations* acts = record_activations ? &out.activations : nullptr;
  const int64_t T = obs.size(0);

  // The latent posterior. prev[t] is z_{t−1} within the episode (has_prev[t] = 1), else 0.
  torch::Tensor keep = 1.0 - first;  // [T, B]
  torch::Tensor prev, has_prev;
  if (autoregressive_) {
    // q(z_t | z_{t−1}, x_t) (NPMP): the encoder also sees the previous sample, so the latent is
    // computed step by step, through the same ε the actor drew.
    std::vector<torch::Tensor> means, stds, samples, prevs, hases;
    std::vector<NamedActivations> step_acts(acts != nullptr ? T : 0);
    torch::Tensor z = state.prev_latent, has = state.has_prev;
    for (int64_t t = 0; t < T; ++t) {
      has = has * keep[t];
      const torch::Tensor prev_in = z * has.unsqueeze(-1);
      const torch::Tensor encoded = encoder_->forward(torch::cat({obs[t], prev_in}, -1),
                                                      acts != nullptr ? &step_acts[t] : nullptr, "encoder");
      const torch::Tensor params = InferenceLinear(encoded, latent_head_->weight, latent_head_->bias);
      means.push_back(params.slice(-1, 0, latent_size_));
      stds.push_back(0.99 * torch::sigmoid(params.slice(-1, latent_size_)) + 0.01);
      z = means.back() + ShapeLatentStd(stds.back(), noise_shape_, noise_gain_) * latent_noise[t];
      samples.push_back(z);
      prevs.push_back(prev_in);
      hases.push_back(has);
      has = torch::ones_like(has);
    }
    out.latent_mean = torch::stack(means, 0);
    out.latent_std = torch::stack(stds, 0);
    out.latent = torch::stack(samples, 0);
    prev = torch::stack(prevs, 0);
    has_prev = torch::stack(hases, 0);
    for (size_t i = 0; acts != nullptr && i < step_acts[0].size(); ++i) {
      std::vector<torch::Tensor> layer;
      for (const NamedActivations& a : step_acts) layer.push_back(a[i].second);
      acts->emplace_back(step_acts[0][i].first, torch::stack(layer, 0));
    }
  } else {
    // q(z_t | x_t): the encoder and latent for all steps at once.
    torch::Tensor encoded = encoder_->forward(obs, acts, "encoder");
    torch::Tensor latent_params = latent_head_->forward(encoded);
    out.latent_mean = latent_params.slice(-1, 0, latent_size_);
    out.latent_std = 0.99 * torch::sigmoid(latent_params.slice(-1, latent_size_)) + 0.01;
    out.latent = out.latent_mean + ShapeLatentStd(out.latent_std, noise_shape_, noise_gain_) * latent_noise;
    prev = torch::cat({state.prev_latent.unsqueeze(0), out.latent.slice(0, 0, T - 1)}, 0);
    has_prev = torch::cat({state.has_prev.unsqueeze(0), torch::ones_like(keep).slice(0, 0, T - 1)}, 0) * keep;
  }

  // AR(1) prior: N(α z_{t−1}, (1 − α²) I) within the episode, else N(0, I).
  const double alpha = config_.prior_alpha();
  torch::Tensor prior_mean = alpha * prev * has_prev.unsqueeze(-1);
  torch::Tensor prior_std =
      (1.0 - has_prev.unsqueeze(-1) * (1.0 - std::sqrt(1.0 - alpha * alpha))).expand_as(prior_mean);
  out.latent_kl =
      GaussianKlPerDim(out.latent_mean, out.latent_std, prior_mean, prior_std).sum(-1);
  if (acts != nullptr) {
    acts->emplace_back("latent/mean", out.latent_mean);
    acts->emplace_back("latent/std", out.latent_std);
    acts->emplace_back("latent/sample", out.latent);
  }

  torch::Tensor proprio = obs.slice(-1, config_.proprioception_offset(),
                                    config_.proprioception_offset() + config_.proprioception_size());
  torch::Tensor decoder_in = torch::cat({out.latent, proprio}, -1);
  torch::Tensor decoded;
  out.final_state.prev_latent = out.latent[T - 1];
  out.final_state.has_prev = torch::ones_like(state.has_prev);
  if (!lstm_.empty()) {
    std::vector<torch::Tensor> h = state.h, c = state.c;
    std::vector<std::vector<torch::Tensor>> hs(lstm_.size()), cs(lstm_.size());
    std::vector<torch::Tensor> top;
    for (int64_t t = 0; t < T; ++t) {
      torch::Tensor k = keep[t].unsqueeze(-1);
      torch::Tensor x = decoder_in[t];
      for (size_t l = 0; l < lstm_.size(); ++l) {
        auto hc = LstmStep(*lstm_[l], x, h[l] * k, c[l] * k);
        h[l] = std::get<0>(hc);
        c[l] = std::get<1>(hc);
        x = h[l];
        hs[l].push_back(h[l]);
        cs[l].push_back(c[l]);
      }
      top.push_back(x);
    }
    decoded = torch::stack(top, 0);
    out.final_state.h = h;
    out.final_state.c = c;
    for (size_t l = 0; l < lstm_.size(); ++l) {
      out.step_h.push_back(torch::stack(hs[l], 0));
      out.step_c.push_back(torch::stack(cs[l], 0));
      if (acts != nullptr) {
        acts->emplace_back("decoder/lstm" + std::to_string(l) + "/h", out.step_h[l]);
        acts->emplace_back("decoder/lstm" + std::to_string(l) + "/c", out.step_c[l]);
      }
    }
  } else {
    decoded = decoder_in;
    for (size_t i = 0; i < decoder_mlp_->size(); ++i) {
      const torch::nn::LinearImpl& linear = *decoder_mlp_[i]->as<torch::nn::Linear>();
      decoded = torch::elu(InferenceLinear(decoded, linear.weight, linear.bias));
      if (acts != nullptr) acts->emplace_back("decoder/" + std::to_string(i), decoded);
    }
  }

  torch::Tensor head = InferenceLinear(decoded, action_head_->weight, action_head_->bias);
  out.action_mean = torch::tanh(head.slice(-1, 0, num_actions_));
  const torch::Tensor std_pre = head.slice(-1, num_actions_) + std_bias_;
  const double min_std = config_.min_action_std(), max_std = config_.max_action_std();
  out.action_std = max_std > 0 ? min_std + (max_std - min_std) * torch::sigmoid(std_pre)
                               : torch::softplus(std_pre) + min_std;
  if (acts != nullptr) {
    acts->emplace_back("action/mean", out.action_mean);
    acts->emplace_back("action/std", out.action_std);
  }
  return out;
}

}  // namespace mimic
