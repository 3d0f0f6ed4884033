#include "replay/selectors/selector.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "replay/selectors/insertion_order_selector.h"
#include "replay/selectors/prioritized_selector.h"
#include "replay/selectors/uniform_selector.h"

namespace mimic::replay {

absl::StatusOr<std::unique_ptr<KeySelector>> MakeSelector(Selector kind, double exponent,
                                                          Selector fallback) {
  if (kind == SELECTOR_UNSPECIFIED) kind = fallback;
  switch (kind) {
    case UNIFORM:
      return std::unique_ptr<KeySelector>(new UniformSelector());
    case FIFO:
      return std::unique_ptr<KeySelector>(new InsertionOrderSelector(InsertionOrderSelector::Order::kFifo));
    case LIFO:
      return std::unique_ptr<KeySelector>(new InsertionOrderSelector(InsertionOrderSelector::Order::kLifo));
    case PRIORITIZED:
      if (exponent == 0) exponent = 1;
      if (!(exponent > 0) || !std::isfinite(exponent)) {
        return absl::InvalidArgumentError(absl::StrCat("priority_exponent must be > 0, got ", exponent));
      }
      return std::unique_ptr<KeySelector>(new PrioritizedSelector(exponent));
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown selector ", static_cast<int>(kind)));
  }
}

}  // namespace mimic::replay
