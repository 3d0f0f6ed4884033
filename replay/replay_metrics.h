// Prometheus view of the replay tables, computed at scrape time from TableInfo (nothing is
// counted twice on the hot path).
#ifndef MIMIC_REPLAY_REPLAY_METRICS_H_
#define MIMIC_REPLAY_REPLAY_METRICS_H_

#include <vector>

#include <prometheus/collectable.h>

#include "replay/replay_core.h"

namespace mimic::replay {

class ReplayMetrics : public prometheus::Collectable {
 public:
  explicit ReplayMetrics(const ReplayCore* core) : core_(core) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const ReplayCore* core_;
};

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_REPLAY_METRICS_H_
