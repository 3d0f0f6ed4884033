// Serves Prometheus /metrics (prometheus-cpp's civetweb exposer) for registered collectables.
#ifndef MIMIC_COMMON_METRICS_SERVER_H_
#define MIMIC_COMMON_METRICS_SERVER_H_

#include <memory>
#include <string>

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include "absl/status/statusor.h"

namespace mimic {

class MetricsServer {
 public:
  // Binds `address` ("host:port"; port 0 picks a free one). Bind failures are errors, not throws.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& address);

  void Register(const std::weak_ptr<prometheus::Collectable>& collectable) { exposer_->RegisterCollectable(collectable); }
  int port() const;

 private:
  explicit MetricsServer(std::unique_ptr<prometheus::Exposer> exposer) : exposer_(std::move(exposer)) {}
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace mimic

#endif  // MIMIC_COMMON_METRICS_SERVER_H_
