// Chooses keys from a set: used by replay tables both to sample items and to pick items to
// remove when a table is full.
//
// Thread safety: none. A table owns its selectors and calls them under its own mutex.
#ifndef MIMIC_REPLAY_SELECTORS_SELECTOR_H_
#define MIMIC_REPLAY_SELECTORS_SELECTOR_H_

#include <cstdint>
#include <memory>
#include <random>

#include "absl/status/statusor.h"
#include "proto/replay.pb.h"

namespace mimic::replay {

struct SelectedKey {
  uint64_t key = 0;
  double probability = 0;  // of choosing this key in this draw
};

class KeySelector {
 public:
  virtual ~KeySelector() = default;
  // `key` is new; `priority` is finite and >= 0 (only prioritized selectors read it).
  virtual void Insert(uint64_t key, double priority) = 0;
  // `key` is present.
  virtual void Update(uint64_t key, double priority) = 0;
  // `key` is present.
  virtual void Delete(uint64_t key) = 0;
  // Requires size() > 0.
  virtual SelectedKey Select(std::mt19937_64& rng) = 0;
  virtual size_t size() const = 0;
};

// `exponent` applies to PRIORITIZED only. UNSPECIFIED means `fallback`.
absl::StatusOr<std::unique_ptr<KeySelector>> MakeSelector(Selector kind, double exponent,
                                                          Selector fallback);

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_SELECTORS_SELECTOR_H_
