#include "learner/modules.h"

#include <cmath>

#include "learner/small_batch_linear.h"

namespace mimic {

ObsNormalizerImpl::ObsNormalizerImpl(int size, double clip) : size_(size), clip_(clip) {
  auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  count_ = register_buffer("count", torch::zeros({}, f64));
  mean_ = register_buffer("mean", torch::zeros({size}, f64));
  m2_ = register_buffer("m2", torch::zeros({size}, f64));
}

void ObsNormalizerImpl::Update(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  torch::Tensor rows = x.reshape({-1, size_}).to(torch::kFloat64);
  const int64_t n = rows.size(0);
  if (n == 0) return;
  torch::Tensor batch_mean = rows.mean(0);
  torch::Tensor batch_m2 = (rows - batch_mean).pow(2).sum(0);
  const double count = count_.item<double>();
  const double total = count + n;
  torch::Tensor delta = batch_mean - mean_;
  mean_.add_(delta * (n / total));
  m2_.add_(batch_m2 + delta.pow(2) * (count * n / total));
  count_.fill_(total);
}

torch::Tensor ObsNormalizerImpl::Normalize(const torch::Tensor& x) const {
  const double count = count_.item<double>();
  if (count < 2) return x.clamp(-clip_, clip_);
  torch::Tensor std = (m2_ / count).clamp_min(1e-8).sqrt().to(x.scalar_type());
  torch::Tensor mean = mean_.to(x.scalar_type());
  return ((x - mean) / std).clamp(-clip_, clip_);
}

LayerNormMlpImpl::LayerNormMlpImpl(int input_size, const std::vector<int>& sizes)
    : output_size_(sizes.empty() ? input_size : sizes.back()) {
  linears_ = register_module("linears", torch::nn::ModuleList());
  int in = input_size;
  for (int size : sizes) {
    linears_->push_back(torch::nn::Linear(in, size));
    in = size;
  }
  if (!sizes.empty()) {
    norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({sizes[0]})));
  }
}

torch::Tensor LayerNormMlpImpl::forward(torch::Tensor x, NamedActivations* activations,
                                        const std::string& prefix) {
  for (size_t i = 0; i < linears_->size(); ++i) {
    const torch::nn::LinearImpl& linear = *linears_[i]->as<torch::nn::Linear>();
    x = InferenceLinear(x, linear.weight, linear.bias);  // torch::linear unless acting on a few rows
    x = i == 0 ? torch::tanh(norm_->forward(x)) : torch::elu(x);
    if (activations != nullptr) activations->emplace_back(prefix + "/" + std::to_string(i), x);
  }
  return x;
}

ValueNetImpl::ValueNetImpl(int obs_size, const std::vector<int>& sizes) {
  torso_ = register_module("torso", LayerNormMlp(obs_size, sizes));
  head_ = register_module("head", torch::nn::Linear(torso_->output_size(), 1));
}

torch::Tensor ValueNetImpl::forward(const torch::Tensor& obs) {
  return head_->forward(torso_->forward(obs)).squeeze(-1);
}

QNetImpl::QNetImpl(int obs_size, int num_actions, const std::vector<int>& sizes) {
  torso_ = register_module("torso", LayerNormMlp(obs_size + num_actions, sizes));
  head_ = register_module("head", torch::nn::Linear(torso_->output_size(), 1));
}

torch::Tensor QNetImpl::forward(const torch::Tensor& obs, const torch::Tensor& action) {
  return head_->forward(torso_->forward(torch::cat({obs, action}, -1))).squeeze(-1);
}

}  // namespace mimic
