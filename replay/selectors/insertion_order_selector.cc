#include "replay/selectors/insertion_order_selector.h"

namespace mimic::replay {

void InsertionOrderSelector::Insert(uint64_t key, double) {
  index_[key] = keys_.insert(keys_.end(), key);
}

void InsertionOrderSelector::Delete(uint64_t key) {
  auto it = index_.find(key);
  keys_.erase(it->second);
  index_.erase(it);
}

SelectedKey InsertionOrderSelector::Select(std::mt19937_64&) {
  return {order_ == Order::kFifo ? keys_.front() : keys_.back(), 1.0};
}

}  // namespace mimic::replay
