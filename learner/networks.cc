#include "learner/networks.h"

namespace mimic {
namespace {

std::vector<int> Sizes(const google::protobuf::RepeatedField<int32_t>& field) {
  return std::vector<int>(field.begin(), field.end());
}

}  // namespace

NetworksImpl::NetworksImpl(const NetworkConfig& config, int obs_size, int num_actions,
                           CriticKind critic)
    : config_(config), obs_size_(obs_size), num_actions_(num_actions), critic_(critic) {
  normalizer = register_module("normalizer", ObsNormalizer(obs_size, config.observation_clip()));
  policy = register_module("policy", PolicyNet(config, obs_size, num_actions));
  if (critic == CriticKind::kValue) {
    value = register_module("value", ValueNet(obs_size, Sizes(config.critic_sizes())));
  } else {
    q = register_module("q", QNet(obs_size, num_actions, Sizes(config.critic_sizes())));
  }
}

std::vector<torch::Tensor> NetworksImpl::CriticParameters() const {
  return critic_ == CriticKind::kValue ? value->parameters() : q->parameters();
}

void NetworksImpl::CopyFrom(NetworksImpl& other) {
  torch::NoGradGuard no_grad;
  auto mine = named_parameters(), theirs = other.named_parameters();
  for (auto& item : mine) item.value().copy_(theirs[item.key()]);
  auto my_buffers = named_buffers(), their_buffers = other.named_buffers();
  for (auto& item : my_buffers) item.value().copy_(their_buffers[item.key()]);
}

}  // namespace mimic
