// Everything the learner trains, in one module so that it saves, loads and copies as a unit:
// the observation normaliser, the policy, and the critic the algorithm needs (V or Q).
#ifndef MIMIC_LEARNER_NETWORKS_H_
#define MIMIC_LEARNER_NETWORKS_H_

#include <vector>

#include <torch/torch.h>

#include "learner/modules.h"
#include "learner/policy_network.h"
#include "proto/learner_config.pb.h"

namespace mimic {

enum class CriticKind { kValue, kActionValue };

class NetworksImpl : public torch::nn::Module {
 public:
  // `config` must be complete (WithNetworkDefaults).
  NetworksImpl(const NetworkConfig& config, int obs_size, int num_actions, CriticKind critic);

  ObsNormalizer normalizer{nullptr};
  PolicyNet policy{nullptr};
  ValueNet value{nullptr};  // kValue only
  QNet q{nullptr};          // kActionValue only

  std::vector<torch::Tensor> PolicyParameters() const { return policy->parameters(); }
  std::vector<torch::Tensor> CriticParameters() const;
  // Copies every parameter and buffer from a network built with the same configuration.
  void CopyFrom(NetworksImpl& other);

  const NetworkConfig& config() const { return config_; }
  int obs_size() const { return obs_size_; }
  int num_actions() const { return num_actions_; }
  CriticKind critic_kind() const { return critic_; }

 private:
  NetworkConfig config_;
  int obs_size_, num_actions_;
  CriticKind critic_;
};
TORCH_MODULE(Networks);

}  // namespace mimic

#endif  // MIMIC_LEARNER_NETWORKS_H_
