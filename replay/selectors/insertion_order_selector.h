// The oldest (FIFO) or newest (LIFO) key, deterministically.
#ifndef MIMIC_REPLAY_SELECTORS_INSERTION_ORDER_SELECTOR_H_
#define MIMIC_REPLAY_SELECTORS_INSERTION_ORDER_SELECTOR_H_

#include <list>

#include "absl/container/flat_hash_map.h"
#include "replay/selectors/selector.h"

namespace mimic::replay {

class InsertionOrderSelector : public KeySelector {
 public:
  enum class Order { kFifo, kLifo };
  explicit InsertionOrderSelector(Order order) : order_(order) {}

  void Insert(uint64_t key, double priority) override;
  void Update(uint64_t key, double priority) override {}
  void Delete(uint64_t key) override;
  SelectedKey Select(std::mt19937_64& rng) override;
  size_t size() const override { return keys_.size(); }

 private:
  Order order_;
  std::list<uint64_t> keys_;  // oldest first
  absl::flat_hash_map<uint64_t, std::list<uint64_t>::iterator> index_;
};

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_SELECTORS_INSERTION_ORDER_SELECTOR_H_
