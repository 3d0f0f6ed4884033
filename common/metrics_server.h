// Serves Prometheus /metrics (text format 0.0.4) for registered collectables, over Debian's
// libmicrohttpd: a small pool of event-driven threads (a slow or idle client costs a socket, not
// a thread, so it never delays other scrapes), at most `max_connections` at once, an idle timeout
// and a total deadline per connection (a client trickling bytes is cut off), 127.0.0.1 unless an
// address says otherwise. Stopping closes every connection at once.
//
// Not prometheus-cpp's civetweb Exposer: civetweb starts its threads with a fixed 100 KB stack,
// and in a binary that also loads LibTorch and OpenBLAS the static TLS alone is larger than that,
// so the Exposer fails to start there. The threads here get `thread_stack_bytes`.
#ifndef MIMIC_COMMON_METRICS_SERVER_H_
#define MIMIC_COMMON_METRICS_SERVER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/collectable.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

struct MHD_Daemon;
struct MHD_Connection;

namespace mimic {

struct MetricsServerOptions {
  int threads = 2;                                         // event loops serving connections
  int max_connections = 32;                                // more are refused at accept
  absl::Duration idle_timeout = absl::Seconds(2);          // no byte for this long: closed
  absl::Duration connection_deadline = absl::Seconds(5);   // longest any connection may stay open
  int64_t thread_stack_bytes = 2 << 20;                    // room for LibTorch's static TLS

  absl::Status Validate() const;
};

class MetricsServer {
 public:
  // Binds `address` ("host:port", ":port" or "port": 127.0.0.1; port 0 picks a free one). Errors
  // name the address.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& address,
                                                              const MetricsServerOptions& options = {});
  ~MetricsServer();

  // Collectables are held weakly: one that is gone is skipped.
  void Register(const std::weak_ptr<prometheus::Collectable>& collectable);
  int port() const { return port_; }
  // The page GET /metrics answers with.
  std::string Render() const;

 private:
  explicit MetricsServer(const MetricsServerOptions& options) : options_(options) {}
  // Shuts connections older than the deadline (a thread of its own, every quarter second).
  void EnforceDeadlines();
  static void OnConnection(void* self, MHD_Connection* connection, void** socket_context, int event);
  static int OnRequest(void* self, MHD_Connection* connection, const char* url, const char* method,
                       const char* version, const char* upload, size_t* upload_size, void** request_context);

  const MetricsServerOptions options_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
  mutable absl::Mutex mu_;
  std::vector<std::weak_ptr<prometheus::Collectable>> collectables_ ABSL_GUARDED_BY(mu_);
  // open connections: socket and when it was accepted
  absl::Mutex connections_mu_;
  absl::flat_hash_map<MHD_Connection*, std::pair<int, absl::Time>> connections_ ABSL_GUARDED_BY(connections_mu_);
  absl::Notification stopping_;
  std::thread reaper_;
};

}  // namespace mimic

#endif  // MIMIC_COMMON_METRICS_SERVER_H_
