#include "learner/learner_service.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_file.h"
#include "common/status_macros.h"
#include "learner/checkpoint_files.h"
#include "learner/sampled_batch.h"
#include "learner/wire_codec.h"
#include "replay/replay_shards.h"

namespace mimic {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

absl::StatusOr<std::unique_ptr<LearnerService>> LearnerService::Start(const LearnerConfig& config, int obs_size,
                                                                      int num_actions,
                                                                      const LearnerServiceOptions& options) {
  if (options.batch_size < 1) return absl::InvalidArgumentError("batch_size must be at least 1");
  MIMIC_ASSIGN_OR_RETURN(std::vector<std::string> shards, replay::ParseReplayShards(options.replay_address));
  std::unique_ptr<LearnerService> s(new LearnerService());
  s->options_ = options;
  MIMIC_ASSIGN_OR_RETURN(s->learner_, Learner::Create(config, obs_size, num_actions));
  if (!options.checkpoint_dir.empty()) {
    // the newest checkpoint that passes its checksum and loads; damaged newer ones are skipped
    absl::StatusOr<std::string> restored = RestoreNewestValid(
        options.checkpoint_dir, [&](const std::string& path) { return s->learner_->RestoreCheckpoint(path); });
    if (restored.ok()) {
      s->resumed_from_ = *restored;
    } else if (!absl::IsNotFound(restored.status())) {
      return restored.status();
    }
  }

  s->registry_ = std::make_shared<prometheus::Registry>();
  auto& r = *s->registry_;
  s->updates_total_ = &prometheus::BuildCounter().Name("mimic_learner_updates_total").Help("Gradient updates").Register(r).Add({});
  s->unrolls_total_ = &prometheus::BuildCounter().Name("mimic_learner_unrolls_total").Help("Unrolls trained on").Register(r).Add({});
  s->refused_batches_total_ = &prometheus::BuildCounter().Name("mimic_learner_refused_batches_total").Help("Batches refused (malformed or non-finite)").Register(r).Add({});
  s->checkpoints_total_ = &prometheus::BuildCounter().Name("mimic_learner_checkpoints_total").Help("Checkpoints written").Register(r).Add({});
  s->sample_wait_seconds_total_ = &prometheus::BuildCounter().Name("mimic_learner_sample_wait_seconds_total").Help("Time spent waiting for replay").Register(r).Add({});
  auto& shard_batches = prometheus::BuildCounter().Name("mimic_learner_replay_batches_total").Help("Batches sampled, by replay shard").Register(r);
  for (const std::string& shard : shards) s->shard_batches_total_.push_back(&shard_batches.Add({{"shard", shard}}));
  s->parameter_version_ = &prometheus::BuildGauge().Name("mimic_learner_parameter_version").Help("Newest published parameter version").Register(r).Add({});
  s->policy_lag_ = &prometheus::BuildGauge().Name("mimic_learner_policy_lag_versions").Help("Mean versions between the acting and the learning policy, last batch").Register(r).Add({});
  s->parameter_requests_ = &prometheus::BuildGauge().Name("mimic_learner_parameter_requests").Help("GetParameters calls served").Register(r).Add({});
  s->update_seconds_ = &prometheus::BuildHistogram().Name("mimic_learner_update_seconds").Help("Time per gradient update").Register(r).Add(
      {}, prometheus::Histogram::BucketBoundaries{0.01, 0.03, 0.1, 0.3, 1, 3, 10});
  s->update_values_ = &prometheus::BuildGauge().Name("mimic_learner_update_value").Help("The last update's losses, KLs, duals and gradient norms, by quantity").Register(r);
  if (!options.metrics_address.empty()) {
    MIMIC_ASSIGN_OR_RETURN(s->metrics_server_, MetricsServer::Start(options.metrics_address));
    s->metrics_server_->Register(s->registry_);
  }

  s->parameters_ = std::make_unique<ParameterServer>(options.security.token);
  s->Publish();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.address, options.security.Credentials(), &s->port_);
  builder.SetMaxSendMessageSize(-1);
  builder.RegisterService(s->parameters_.get());
  s->grpc_metrics_ = std::make_unique<GrpcMetrics>("learner");
  s->grpc_metrics_->Install(builder);
  if (s->metrics_server_) s->metrics_server_->Register(s->grpc_metrics_->registry());
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0) return absl::UnavailableError(absl::StrCat("cannot listen on ", options.address));
  s->server_->GetHealthCheckService()->SetServingStatus(true);

  replay::SamplerOptions sampler;
  sampler.table = options.table;
  sampler.batch_size = options.batch_size;
  sampler.prefetch_batches = options.prefetch_batches;
  s->sampler_ = replay::ShardedSampler::ForAddresses(shards, sampler, options.replay_security);
  return s;
}

LearnerService::~LearnerService() { Shutdown(); }

void LearnerService::Shutdown() {
  if (!server_) return;
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  server_->Wait();
  server_.reset();
}

void LearnerService::Publish() {
  parameters_->Publish(learner_->step(), PolicyParametersToProto(*learner_->acting_networks()));
  parameter_version_->Set(static_cast<double>(learner_->step()));
}

absl::Status LearnerService::Checkpoint() {
  if (options_.checkpoint_dir.empty()) return absl::OkStatus();
  MIMIC_ASSIGN_OR_RETURN(std::string path, learner_->SaveCheckpoint(options_.checkpoint_dir));
  checkpoints_total_->Increment();
  std::printf("learner: checkpoint %s\n", path.c_str());
  return absl::OkStatus();
}

void LearnerService::WriteStatus(double updates_per_second, double policy_lag, const LearnerMetrics& last) {
  parameter_requests_->Set(static_cast<double>(parameters_->requests()));
  if (options_.status_path.empty()) return;
  StatusFigures figures = {{"updates", static_cast<double>(learner_->step())},
                           {"updates_per_s", updates_per_second},
                           {"unrolls", unrolls_total_->Value()},
                           {"policy_lag", policy_lag},
                           {"parameter_version", static_cast<double>(parameters_->version())},
                           {"parameter_requests", static_cast<double>(parameters_->requests())}};
  for (const auto& [name, value] : last.values) figures[name] = value;
  absl::Status written = WriteStatusFile(options_.status_path, figures);
  if (!written.ok()) std::fprintf(stderr, "learner: %s\n", std::string(written.message()).c_str());
}

absl::Status LearnerService::Run(absl::Notification& stop) {
  const int lstm_layers = static_cast<int>(learner_->networks()->policy->lstm_hidden_sizes().size());
  auto last_checkpoint = std::chrono::steady_clock::now();
  auto last_log = last_checkpoint, last_status = last_checkpoint;
  int64_t updates_at_last_status = learner_->step();
  double policy_lag = std::nan(""), updates_per_second = 0;
  LearnerMetrics last;
  while (!stop.HasBeenNotified()) {
    if (options_.max_updates > 0 && learner_->step() >= options_.max_updates) break;
    const auto wait_start = std::chrono::steady_clock::now();
    int shard = 0;
    absl::StatusOr<std::vector<replay::SampledView>> sampled = sampler_->NextViews(absl::Milliseconds(500), &shard);
    sample_wait_seconds_total_->Increment(SecondsSince(wait_start));
    if (sampled.ok()) {
      shard_batches_total_[shard]->Increment();
      double lag = 0;
      for (const replay::SampledView& item : *sampled) {
        lag += static_cast<double>(learner_->step() - item.item->policy_version());
      }
      absl::StatusOr<Batch> batch = StackSampled(*sampled, lstm_layers);
      absl::StatusOr<LearnerMetrics> metrics =
          batch.ok() ? learner_->Update(*batch) : absl::StatusOr<LearnerMetrics>(batch.status());
      if (metrics.ok()) {
        last = *metrics;
        policy_lag = lag / sampled->size();
        policy_lag_->Set(policy_lag);
        updates_total_->Increment();
        unrolls_total_->Increment(static_cast<double>(sampled->size()));
        update_seconds_->Observe(SecondsSince(wait_start));
        for (const auto& [name, value] : last.values) update_values_->Add({{"quantity", name}}).Set(value);
        if (learner_->step() % options_.publish_every_updates == 0) Publish();
      } else {
        refused_batches_total_->Increment();
        std::fprintf(stderr, "learner: batch refused: %s\n", std::string(metrics.status().message()).c_str());
      }
    } else if (!absl::IsDeadlineExceeded(sampled.status()) && !absl::IsUnavailable(sampled.status())) {
      std::fprintf(stderr, "learner: sampling failed: %s\n", std::string(sampled.status().message()).c_str());
      stop.WaitForNotificationWithTimeout(absl::Seconds(1));
    }

    const auto now = std::chrono::steady_clock::now();
    if (options_.checkpoint_interval_s > 0 &&
        std::chrono::duration<double>(now - last_checkpoint).count() >= options_.checkpoint_interval_s) {
      absl::Status saved = Checkpoint();
      if (!saved.ok()) std::fprintf(stderr, "learner: checkpoint failed: %s\n", std::string(saved.message()).c_str());
      last_checkpoint = now;
    }
    if (std::chrono::duration<double>(now - last_status).count() >= 2.0) {
      updates_per_second = (learner_->step() - updates_at_last_status) / SecondsSince(last_status);
      updates_at_last_status = learner_->step();
      last_status = now;
      WriteStatus(updates_per_second, policy_lag, last);
    }
    if (std::chrono::duration<double>(now - last_log).count() >= options_.log_interval_s) {
      last_log = now;
      std::printf("learner: %ld updates, %.2f updates/s, policy lag %.1f, loss %.4g\n",
                  static_cast<long>(learner_->step()), updates_per_second, policy_lag, last.Get("policy_loss"));
    }
  }
  Publish();
  WriteStatus(updates_per_second, policy_lag, last);
  return Checkpoint();
}

}  // namespace mimic
