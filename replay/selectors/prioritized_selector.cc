#include "replay/selectors/prioritized_selector.h"

#include <cmath>

namespace mimic::replay {

void PrioritizedSelector::Set(size_t slot, double weight) {
  size_t node = capacity_ + slot;
  const double delta = weight - tree_[node];
  for (; node >= 1; node /= 2) tree_[node] += delta;
}

void PrioritizedSelector::Grow() {
  const size_t old_capacity = capacity_;
  capacity_ = capacity_ == 0 ? 16 : 2 * capacity_;
  std::vector<double> leaves(tree_.begin() + old_capacity, tree_.begin() + 2 * old_capacity);
  tree_.assign(2 * capacity_, 0.0);
  slot_key_.resize(capacity_, 0);
  for (size_t s = capacity_; s-- > old_capacity;) free_slots_.push_back(s);
  // rebuild the sums from the leaves
  for (size_t s = 0; s < old_capacity; ++s) tree_[capacity_ + s] = leaves[s];
  for (size_t node = capacity_ - 1; node >= 1; --node) tree_[node] = tree_[2 * node] + tree_[2 * node + 1];
}

void PrioritizedSelector::Insert(uint64_t key, double priority) {
  if (free_slots_.empty()) Grow();
  const size_t slot = free_slots_.back();
  free_slots_.pop_back();
  slot_key_[slot] = key;
  index_[key] = slot;
  Set(slot, std::pow(priority, exponent_));
}

void PrioritizedSelector::Update(uint64_t key, double priority) {
  Set(index_[key], std::pow(priority, exponent_));
}

void PrioritizedSelector::Delete(uint64_t key) {
  auto it = index_.find(key);
  Set(it->second, 0.0);
  free_slots_.push_back(it->second);
  index_.erase(it);
}

SelectedKey PrioritizedSelector::Select(std::mt19937_64& rng) {
  const double total = tree_[1];
  if (!(total > 0)) {
    // all priorities zero: uniform over the occupied slots
    auto it = index_.begin();
    std::advance(it, std::uniform_int_distribution<size_t>(0, index_.size() - 1)(rng));
    return {it->first, 1.0 / index_.size()};
  }
  double target = std::uniform_real_distribution<double>(0.0, total)(rng);
  size_t node = 1;
  while (node < capacity_) {
    const double left = tree_[2 * node];
    // never descend into an empty subtree (guards against rounding at the edges)
    if ((target < left && left > 0) || tree_[2 * node + 1] <= 0) {
      node = 2 * node;
    } else {
      target -= left;
      node = 2 * node + 1;
    }
  }
  const size_t slot = node - capacity_;
  return {slot_key_[slot], tree_[node] / total};
}

}  // namespace mimic::replay
