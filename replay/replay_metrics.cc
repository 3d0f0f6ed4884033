#include "replay/replay_metrics.h"

#include <functional>

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

namespace mimic::replay {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily PerTable(const InfoResponse& info, const char* name, const char* help, MetricType type,
                      const std::function<double(const TableInfo&)>& value) {
  MetricFamily family{name, help, type, {}};
  for (const TableInfo& t : info.tables()) {
    ClientMetric m;
    m.label.push_back({"table", t.name()});
    if (type == MetricType::Counter) m.counter.value = value(t);
    else m.gauge.value = value(t);
    family.metric.push_back(std::move(m));
  }
  return family;
}

}  // namespace

std::vector<MetricFamily> ReplayMetrics::Collect() const {
  const InfoResponse info = core_->Info();
  std::vector<MetricFamily> out;
  out.push_back(PerTable(info, "mimic_replay_items", "Items in the table", MetricType::Gauge,
                         [](const TableInfo& t) { return t.size(); }));
  out.push_back(PerTable(info, "mimic_replay_capacity_items", "Maximum items in the table", MetricType::Gauge,
                         [](const TableInfo& t) { return t.max_size(); }));
  out.push_back(PerTable(info, "mimic_replay_bytes", "Serialized bytes of the table's items", MetricType::Gauge,
                         [](const TableInfo& t) { return t.bytes(); }));
  out.push_back(PerTable(info, "mimic_replay_inserts_total", "Items inserted", MetricType::Counter,
                         [](const TableInfo& t) { return t.inserts(); }));
  out.push_back(PerTable(info, "mimic_replay_samples_total", "Items sampled", MetricType::Counter,
                         [](const TableInfo& t) { return t.samples(); }));
  out.push_back(PerTable(info, "mimic_replay_deletes_total", "Items removed", MetricType::Counter,
                         [](const TableInfo& t) { return t.deletes(); }));
  out.push_back(PerTable(info, "mimic_replay_insert_blocked_seconds_total",
                         "Time inserts waited for the rate limiter", MetricType::Counter,
                         [](const TableInfo& t) { return t.insert_blocked_seconds(); }));
  out.push_back(PerTable(info, "mimic_replay_sample_blocked_seconds_total",
                         "Time samples waited for the rate limiter", MetricType::Counter,
                         [](const TableInfo& t) { return t.sample_blocked_seconds(); }));
  out.push_back(PerTable(info, "mimic_replay_rate_limiter_can_insert", "1 when an insert would not wait",
                         MetricType::Gauge, [](const TableInfo& t) { return t.can_insert() ? 1 : 0; }));
  out.push_back(PerTable(info, "mimic_replay_rate_limiter_can_sample", "1 when a sample would not wait",
                         MetricType::Gauge, [](const TableInfo& t) { return t.can_sample() ? 1 : 0; }));
  MetricFamily writers{"mimic_replay_writers", "Writers (actors) with an Insert stream open", MetricType::Gauge, {}};
  ClientMetric w;
  w.gauge.value = static_cast<double>(info.writers());
  writers.metric.push_back(w);
  out.push_back(std::move(writers));
  MetricFamily checkpoints{"mimic_replay_checkpoints_total", "Checkpoints written", MetricType::Counter, {}};
  ClientMetric c;
  c.counter.value = static_cast<double>(info.checkpoints());
  checkpoints.metric.push_back(c);
  out.push_back(std::move(checkpoints));
  return out;
}

}  // namespace mimic::replay
