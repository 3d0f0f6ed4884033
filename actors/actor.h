// The actor process's loop: E environments stepped together, one batched no-grad policy forward
// pass per step, unrolls of T steps (with the recurrent state at their start) streamed to replay
// with back-pressure, and parameters pulled from the learner every K steps when a newer version
// exists. Neither the learner nor replay being away crashes it: it waits, retries and carries on.
#ifndef MIMIC_ACTORS_ACTOR_H_
#define MIMIC_ACTORS_ACTOR_H_

#include <map>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "actors/task_factory.h"
#include "common/metrics_server.h"
#include "common/grpc_security.h"
#include "learner/networks.h"
#include "proto/learner_config.pb.h"

namespace mimic {

struct ActorOptions {
  int actor_id = 0;
  std::string replay_address;    // one address, or the replay shards' comma-separated (writes to one)
  std::string learner_address;
  std::string table = "on_policy";
  int unroll_length = 20;
  int parameter_sync_steps = 20;
  int max_in_flight = 64;
  int inference_threads = 1;     // the policy's forward pass split over this many threads
  uint64_t seed = 1;
  int64_t max_env_steps = 0;     // 0: until stopped
  std::string status_path;       // empty: no status file
  std::string metrics_address;   // empty: no /metrics
  ClientSecurity security;       // towards replay and the learner (token, TLS, client certificate)
};

struct ActorCounters {
  int64_t env_steps = 0;
  int64_t unrolls = 0;
  int64_t episodes = 0;
  int64_t parameter_updates = 0;
  int64_t policy_version = -1;
};

class Actor {
 public:
  // `config` is the learner's (the actor builds the same policy to load its parameters into).
  static absl::StatusOr<std::unique_ptr<Actor>> Create(const LearnerConfig& config, TaskEnvs envs,
                                                       const ActorOptions& options);
  ~Actor();

  // Acts until `stop` is notified or max_env_steps is reached, then flushes what replay has not
  // acknowledged yet (bounded wait).
  absl::Status Run(absl::Notification& stop);
  const ActorCounters& counters() const { return counters_; }
  int metrics_port() const { return metrics_server_ ? metrics_server_->port() : 0; }

 private:
  Actor() = default;
  // Waits for a first parameter version (or stop); false when stopped first.
  bool WaitForParameters(absl::Notification& stop);
  void SyncParameters();
  void WriteStatus(double steps_per_second, double inference_fraction);
  // The start sampler's current clip weights into mimic_actor_clip_sampling_weight{clip}.
  void PublishClipWeights();

  ActorOptions options_;
  TaskEnvs envs_;
  Networks networks_{nullptr};
  ActorCounters counters_;
  struct Clients;
  std::unique_ptr<Clients> clients_;
  std::vector<double> recent_returns_, recent_lengths_;

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<MetricsServer> metrics_server_;
  prometheus::Counter* env_steps_total_ = nullptr;
  prometheus::Counter* episodes_total_ = nullptr;
  prometheus::Counter* unrolls_total_ = nullptr;
  prometheus::Counter* insert_errors_total_ = nullptr;
  prometheus::Counter* parameter_errors_total_ = nullptr;
  prometheus::Counter* inference_seconds_total_ = nullptr;
  prometheus::Counter* env_seconds_total_ = nullptr;
  prometheus::Gauge* policy_version_ = nullptr;
  prometheus::Histogram* episode_return_ = nullptr;
  prometheus::Histogram* episode_length_ = nullptr;
  // env steps by reference clip (the clip each env was on when its unroll began): how acting
  // time is spread over the clips
  prometheus::Family<prometheus::Counter>* clip_steps_ = nullptr;
  std::map<int32_t, prometheus::Counter*> clip_steps_by_id_;
  std::vector<prometheus::Gauge*> clip_weights_;  // one per training clip (rodent only)
};

}  // namespace mimic

#endif  // MIMIC_ACTORS_ACTOR_H_
