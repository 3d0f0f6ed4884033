// Serves Prometheus /metrics (text format 0.0.4) for registered collectables.
//
// A small HTTP server of our own rather than prometheus-cpp's civetweb Exposer: civetweb starts
// its threads with a fixed 100 KB stack, and in a binary that also loads LibTorch and OpenBLAS
// the static TLS alone is larger than that, so the Exposer fails to start there.
#ifndef MIMIC_COMMON_METRICS_SERVER_H_
#define MIMIC_COMMON_METRICS_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/collectable.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace mimic {

class MetricsServer {
 public:
  // Binds `address` ("host:port" or ":port"; port 0 picks a free one). Errors name the address.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& address);
  ~MetricsServer();

  // Collectables are held weakly: one that is gone is skipped.
  void Register(const std::weak_ptr<prometheus::Collectable>& collectable);
  int port() const { return port_; }
  // The page GET /metrics answers with.
  std::string Render() const;

 private:
  MetricsServer(int fd, int port);
  void Serve();
  void Answer(int client) const;

  int listen_fd_;
  int port_;
  int wake_[2] = {-1, -1};  // a pipe that ends Serve()'s poll at shutdown
  mutable absl::Mutex mu_;
  std::vector<std::weak_ptr<prometheus::Collectable>> collectables_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace mimic

#endif  // MIMIC_COMMON_METRICS_SERVER_H_
