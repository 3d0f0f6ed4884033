// Every key equally likely: O(1) insert, delete and select.
#ifndef MIMIC_REPLAY_SELECTORS_UNIFORM_SELECTOR_H_
#define MIMIC_REPLAY_SELECTORS_UNIFORM_SELECTOR_H_

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "replay/selectors/selector.h"

namespace mimic::replay {

class UniformSelector : public KeySelector {
 public:
  void Insert(uint64_t key, double priority) override;
  void Update(uint64_t key, double priority) override {}
  void Delete(uint64_t key) override;
  SelectedKey Select(std::mt19937_64& rng) override;
  size_t size() const override { return keys_.size(); }

 private:
  std::vector<uint64_t> keys_;
  absl::flat_hash_map<uint64_t, size_t> index_;  // key -> position in keys_
};

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_SELECTORS_UNIFORM_SELECTOR_H_
