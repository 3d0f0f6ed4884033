// The learner as a service: samples unrolls from a replay table, updates, publishes versioned
// parameters to actors (ParameterService), checkpoints periodically and when stopped, and on start
// resumes from the newest checkpoint in its directory. Serves grpc.health.v1 and /metrics.
#ifndef MIMIC_LEARNER_LEARNER_SERVICE_H_
#define MIMIC_LEARNER_LEARNER_SERVICE_H_

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "common/grpc_metrics.h"
#include "common/grpc_security.h"
#include "common/metrics_server.h"
#include "learner/learner.h"
#include "learner/parameter_server.h"
#include "replay/sharded_sampler.h"

namespace mimic {

struct LearnerServiceOptions {
  std::string address = "127.0.0.1:0";  // ParameterService and health
  std::string metrics_address;          // empty: no /metrics
  std::string replay_address;           // one address, or several replay shards' comma-separated
  std::string table = "on_policy";
  int batch_size = 32;
  int prefetch_batches = 1;             // sampled ahead of the update that uses them
  int publish_every_updates = 1;
  std::string checkpoint_dir;           // empty: no checkpoints, no resume
  double checkpoint_interval_s = 120;
  int64_t max_updates = 0;              // 0: until stopped
  std::string status_path;              // empty: no status file
  double log_interval_s = 10;           // a log line this often
  ServerSecurity security;              // of the ParameterService (token, TLS, client certificates)
  ClientSecurity replay_security;       // towards replay
};

class LearnerService {
 public:
  static absl::StatusOr<std::unique_ptr<LearnerService>> Start(const LearnerConfig& config, int obs_size,
                                                               int num_actions,
                                                               const LearnerServiceOptions& options);
  ~LearnerService();

  // Samples, updates and publishes until `stop` is notified or max_updates is reached, then
  // writes a final checkpoint. A batch the learner refuses is logged and skipped; replay being
  // away only makes it wait.
  absl::Status Run(absl::Notification& stop);
  void Shutdown();

  int port() const { return port_; }
  int metrics_port() const { return metrics_server_ ? metrics_server_->port() : 0; }
  const std::string& resumed_from() const { return resumed_from_; }
  Learner& learner() { return *learner_; }
  const ParameterServer& parameters() const { return *parameters_; }

 private:
  LearnerService() = default;
  void Publish();
  absl::Status Checkpoint();
  void WriteStatus(double updates_per_second, double policy_lag, const LearnerMetrics& last);

  LearnerServiceOptions options_;
  std::unique_ptr<Learner> learner_;
  std::unique_ptr<ParameterServer> parameters_;
  std::unique_ptr<GrpcMetrics> grpc_metrics_;  // outlives server_
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<replay::ShardedSampler> sampler_;
  std::string resumed_from_;
  int port_ = 0;

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<MetricsServer> metrics_server_;
  prometheus::Counter* updates_total_ = nullptr;
  prometheus::Counter* unrolls_total_ = nullptr;
  prometheus::Counter* refused_batches_total_ = nullptr;
  prometheus::Counter* checkpoints_total_ = nullptr;
  prometheus::Counter* sample_wait_seconds_total_ = nullptr;
  std::vector<prometheus::Counter*> shard_batches_total_;  // by replay shard
  prometheus::Gauge* parameter_version_ = nullptr;
  prometheus::Gauge* policy_lag_ = nullptr;
  prometheus::Histogram* update_seconds_ = nullptr;
  prometheus::Family<prometheus::Gauge>* update_values_ = nullptr;
  prometheus::Gauge* parameter_requests_ = nullptr;
};

}  // namespace mimic

#endif  // MIMIC_LEARNER_LEARNER_SERVICE_H_
