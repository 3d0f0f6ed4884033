// A running replay server: the gRPC service (with grpc.health.v1), optional /metrics, and the
// periodic checkpoint thread. Shutdown() closes the tables (blocked calls end with UNAVAILABLE),
// stops the server within its deadline and writes a final checkpoint.
#ifndef MIMIC_REPLAY_REPLAY_SERVER_H_
#define MIMIC_REPLAY_REPLAY_SERVER_H_

#include <memory>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "common/grpc_metrics.h"
#include "common/grpc_security.h"
#include "common/metrics_server.h"
#include "replay/replay_core.h"
#include "replay/replay_metrics.h"
#include "replay/replay_service.h"

namespace mimic::replay {

constexpr int64_t kDefaultMaxMessageBytes = 64 << 20;

class ReplayServer {
 public:
  // Builds the core (restoring the newest checkpoint) and starts serving on config.address()
  // (127.0.0.1 with a free port when empty) with `security` (token, TLS, client certificates).
  static absl::StatusOr<std::unique_ptr<ReplayServer>> Start(const ReplayConfig& config,
                                                            const ServerSecurity& security = {});
  ~ReplayServer();

  int port() const { return port_; }
  int metrics_port() const { return metrics_ ? metrics_->port() : 0; }
  ReplayCore& core() { return *core_; }
  // An in-process channel whose calls carry the server's token.
  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Idempotent. Returns the final checkpoint's status (OK when none is configured).
  absl::Status Shutdown(absl::Duration deadline = absl::Seconds(5));

 private:
  ReplayServer() = default;
  void CheckpointLoop();

  std::unique_ptr<ReplayCore> core_;
  std::unique_ptr<ReplayServiceImpl> service_;
  std::unique_ptr<GrpcMetrics> grpc_metrics_;  // outlives server_ (its interceptors point here)
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<ReplayMetrics> metrics_collectable_;
  std::unique_ptr<MetricsServer> metrics_;
  absl::Notification stopping_;
  std::thread checkpointer_;
  int port_ = 0;
  std::string token_;
  bool shut_down_ = false;
};

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_REPLAY_SERVER_H_
