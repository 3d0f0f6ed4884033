#include "learner/sequence_replay.h"

namespace mimic {

SequenceReplay::SequenceReplay(int capacity, uint64_t seed) : capacity_(capacity), rng_(seed) {}

void SequenceReplay::Add(const Batch& batch) {
  const int64_t B = batch.batch_size();
  for (int64_t b = 0; b < B; ++b) {
    torch::Tensor row = torch::tensor({b});
    Batch s;
    s.observations = batch.observations.narrow(1, b, 1);
    s.first = batch.first.narrow(1, b, 1);
    s.actions = batch.actions.narrow(1, b, 1);
    s.rewards = batch.rewards.narrow(1, b, 1);
    s.discounts = batch.discounts.narrow(1, b, 1);
    s.behaviour_mean = batch.behaviour_mean.narrow(1, b, 1);
    s.behaviour_std = batch.behaviour_std.narrow(1, b, 1);
    s.behaviour_log_prob = batch.behaviour_log_prob.narrow(1, b, 1);
    s.latent_noise = batch.latent_noise.narrow(1, b, 1);
    s.initial_state = batch.initial_state.Select(row);
    if (static_cast<int>(sequences_.size()) < capacity_) {
      sequences_.push_back(std::move(s));
    } else {
      sequences_[next_] = std::move(s);
      next_ = (next_ + 1) % capacity_;
    }
    ++added_;
  }
}

Batch SequenceReplay::Sample(int batch_size) {
  std::uniform_int_distribution<size_t> pick(0, sequences_.size() - 1);
  std::vector<const Batch*> chosen;
  for (int i = 0; i < batch_size; ++i) chosen.push_back(&sequences_[pick(rng_)]);
  auto cat = [&](torch::Tensor Batch::*field) {
    std::vector<torch::Tensor> parts;
    for (const Batch* s : chosen) parts.push_back(s->*field);
    return torch::cat(parts, 1);
  };
  Batch out;
  out.observations = cat(&Batch::observations);
  out.first = cat(&Batch::first);
  out.actions = cat(&Batch::actions);
  out.rewards = cat(&Batch::rewards);
  out.discounts = cat(&Batch::discounts);
  out.behaviour_mean = cat(&Batch::behaviour_mean);
  out.behaviour_std = cat(&Batch::behaviour_std);
  out.behaviour_log_prob = cat(&Batch::behaviour_log_prob);
  out.latent_noise = cat(&Batch::latent_noise);
  std::vector<PolicyState> states;
  for (const Batch* s : chosen) states.push_back(s->initial_state);
  out.initial_state = PolicyState::Stack(states);
  return out;
}

}  // namespace mimic
