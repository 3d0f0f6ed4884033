#include "replay/selectors/uniform_selector.h"

namespace mimic::replay {

void UniformSelector::Insert(uint64_t key, double) {
  index_[key] = keys_.size();
  keys_.push_back(key);
}

void UniformSelector::Delete(uint64_t key) {
  // swap the last key into the hole
  const size_t pos = index_[key];
  const uint64_t last = keys_.back();
  keys_[pos] = last;
  index_[last] = pos;
  keys_.pop_back();
  index_.erase(key);
}

SelectedKey UniformSelector::Select(std::mt19937_64& rng) {
  const size_t pos = std::uniform_int_distribution<size_t>(0, keys_.size() - 1)(rng);
  return {keys_[pos], 1.0 / keys_.size()};
}

}  // namespace mimic::replay
