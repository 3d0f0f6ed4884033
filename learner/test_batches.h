// Small random learner batches and configs for tests.
#ifndef MIMIC_LEARNER_TEST_BATCHES_H_
#define MIMIC_LEARNER_TEST_BATCHES_H_

#include <string>

#include "learner/algorithms.h"
#include "learner/batch.h"
#include "learner/gaussian.h"
#include "learner/learner.h"

namespace mimic {

inline LearnerConfig TinyConfig(const std::string& algorithm, const std::string& decoder = "lstm") {
  LearnerConfig config;
  NetworkConfig* net = config.mutable_network();
  net->add_encoder_sizes(16);
  net->set_latent_size(4);
  net->set_decoder(decoder);
  net->add_decoder_sizes(8);
  net->add_decoder_sizes(8);
  net->add_critic_sizes(16);
  net->set_proprioception_size(3);
  config.set_policy_learning_rate(1e-3);
  config.set_critic_learning_rate(1e-3);
  return WithAlgorithm(config, algorithm).value();
}

// A random but well-formed batch for a learner's sizes; `seed` makes it reproducible.
inline Batch RandomBatch(Learner& learner, int T, int B, int obs_size, int num_actions,
                         uint64_t seed) {
  torch::manual_seed(seed);
  Networks& nets = learner.networks();
  const int L = nets->policy->latent_size();
  Batch batch;
  batch.observations = torch::randn({T + 1, B, obs_size});
  batch.first = (torch::rand({T + 1, B}) < 0.1).to(torch::kFloat32);
  batch.behaviour_mean = torch::tanh(torch::randn({T, B, num_actions}));
  batch.behaviour_std = torch::full({T, B, num_actions}, 0.5);
  batch.actions = batch.behaviour_mean + 0.5 * torch::randn({T, B, num_actions});
  batch.behaviour_log_prob =
      GaussianLogProb(batch.behaviour_mean, batch.behaviour_std, batch.actions);
  batch.rewards = torch::rand({T, B});
  batch.discounts = torch::ones({T, B});
  batch.latent_noise = torch::randn({T + 1, B, L});
  // truncated episode ends (first[t+1] = 1 with discount 1) carry their final observation
  batch.final_observations = torch::randn({T, B, obs_size}) * TruncatedSteps(batch).unsqueeze(-1);
  batch.initial_state = nets->policy->InitialState(B);
  return batch;
}

}  // namespace mimic

#endif  // MIMIC_LEARNER_TEST_BATCHES_H_
