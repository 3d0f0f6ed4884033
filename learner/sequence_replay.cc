#include "learner/sequence_replay.h"

namespace mimic {

SequenceReplay::SequenceReplay(int capacity, uint64_t seed) : capacity_(capacity), rng_(seed) {}

void SequenceReplay::Add(const Batch& batch) {
  const int64_t B = batch.batch_size();
  for (int64_t b = 0; b < B; ++b) {
    Batch s = MapBatch(batch, [b](const torch::Tensor& t, int64_t dim) { return t.narrow(dim, b, 1); });
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
  out.final_observations = cat(&Batch::final_observations);
  std::vector<PolicyState> states;
  for (const Batch* s : chosen) states.push_back(s->initial_state);
  out.initial_state = PolicyState::Stack(states);
  return out;
}

}  // namespace mimic
