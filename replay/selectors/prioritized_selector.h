// Keys chosen with probability priority^exponent / sum, over a sum tree: O(log n) insert, update,
// delete and select. When every priority is zero, keys are chosen uniformly.
#ifndef MIMIC_REPLAY_SELECTORS_PRIORITIZED_SELECTOR_H_
#define MIMIC_REPLAY_SELECTORS_PRIORITIZED_SELECTOR_H_

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "replay/selectors/selector.h"

namespace mimic::replay {

class PrioritizedSelector : public KeySelector {
 public:
  explicit PrioritizedSelector(double exponent) : exponent_(exponent) {}

  void Insert(uint64_t key, double priority) override;
  void Update(uint64_t key, double priority) override;
  void Delete(uint64_t key) override;
  SelectedKey Select(std::mt19937_64& rng) override;
  size_t size() const override { return index_.size(); }

 private:
  void Set(size_t slot, double weight);
  void Grow();

  double exponent_;
  size_t capacity_ = 0;              // leaves; a power of two
  std::vector<double> tree_;         // (2 * capacity): node i sums children 2i and 2i+1; leaves at capacity+slot
  std::vector<uint64_t> slot_key_;   // (capacity)
  std::vector<size_t> free_slots_;
  absl::flat_hash_map<uint64_t, size_t> index_;  // key -> slot
};

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_SELECTORS_PRIORITIZED_SELECTOR_H_
