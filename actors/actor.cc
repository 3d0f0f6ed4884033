#include "actors/actor.h"

#include <chrono>
#include <cstdio>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "common/status_file.h"
#include "common/status_macros.h"
#include "learner/local_trainer.h"
#include "learner/parameter_server.h"
#include "learner/policy_actor.h"
#include "learner/policy_network.h"
#include "learner/wire_codec.h"
#include "replay/replay_client.h"
#include "replay/replay_shards.h"

namespace mimic {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double MeanOf(const std::vector<double>& values) {
  if (values.empty()) return std::nan("");
  return std::accumulate(values.begin(), values.end(), 0.0) / values.size();
}

void Log(int actor_id, const std::string& message) {
  std::fprintf(stderr, "actor %d: %s\n", actor_id, message.c_str());
}

}  // namespace

struct Actor::Clients {
  explicit Clients(const ActorOptions& options)
      : parameters(options.learner_address, options.security),
        writer(replay::ChannelStubFactory(options.replay_address, 64 << 20, options.security),
               replay::WriterOptions{.writer_id = "",  // random: a restarted actor is a new writer
                                     .max_in_flight = options.max_in_flight,
                                     .backoff = {},
                                     .insert_timeout = absl::Seconds(1)},
               // raw byte streams: unroll payloads are sent from the actor's own buffers
               replay::ReplayChannelFactory(options.replay_address, 64 << 20, options.security)) {}
  ParameterClient parameters;
  replay::ReplayWriter writer;
};

absl::StatusOr<std::unique_ptr<Actor>> Actor::Create(const LearnerConfig& config, TaskEnvs envs,
                                                     const ActorOptions& options) {
  if (options.unroll_length < 1) return absl::InvalidArgumentError("unroll_length must be at least 1");
  if (options.parameter_sync_steps < 1) return absl::InvalidArgumentError("parameter_sync_steps must be at least 1");
  std::unique_ptr<Actor> a(new Actor());
  a->options_ = options;
  a->envs_ = std::move(envs);
  a->networks_ = Networks(WithNetworkDefaults(config.network(), a->envs_.obs_size), a->envs_.obs_size,
                          a->envs_.num_actions, CriticKind::kValue);
  a->networks_->eval();
  // with several replay shards, this actor writes to its own (ids round-robin over them)
  ActorOptions shard_options = options;
  MIMIC_ASSIGN_OR_RETURN(shard_options.replay_address,
                         replay::ReplayAddressOfActor(options.replay_address, options.actor_id));
  a->options_.replay_address = shard_options.replay_address;
  a->clients_ = std::make_unique<Clients>(shard_options);

  a->registry_ = std::make_shared<prometheus::Registry>();
  auto& r = *a->registry_;
  a->env_steps_total_ = &prometheus::BuildCounter().Name("mimic_actor_env_steps_total").Help("Environment steps").Register(r).Add({});
  a->episodes_total_ = &prometheus::BuildCounter().Name("mimic_actor_episodes_total").Help("Episodes finished").Register(r).Add({});
  a->unrolls_total_ = &prometheus::BuildCounter().Name("mimic_actor_unrolls_total").Help("Unrolls handed to replay").Register(r).Add({});
  a->insert_errors_total_ = &prometheus::BuildCounter().Name("mimic_actor_insert_errors_total").Help("Unrolls replay refused or timed out").Register(r).Add({});
  a->parameter_errors_total_ = &prometheus::BuildCounter().Name("mimic_actor_parameter_fetch_errors_total").Help("Failed parameter fetches").Register(r).Add({});
  a->inference_seconds_total_ = &prometheus::BuildCounter().Name("mimic_actor_inference_seconds_total").Help("Time in batched policy inference").Register(r).Add({});
  a->env_seconds_total_ = &prometheus::BuildCounter().Name("mimic_actor_env_seconds_total").Help("Time stepping the environments").Register(r).Add({});
  a->policy_version_ = &prometheus::BuildGauge().Name("mimic_actor_policy_version").Help("Parameter version acting now").Register(r).Add({});
  a->episode_return_ = &prometheus::BuildHistogram().Name("mimic_actor_episode_return").Help("Undiscounted episode return").Register(r).Add(
      {}, prometheus::Histogram::BucketBoundaries{1, 3, 10, 30, 100, 300, 1000});
  a->episode_length_ = &prometheus::BuildHistogram().Name("mimic_actor_episode_length_steps").Help("Episode length").Register(r).Add(
      {}, prometheus::Histogram::BucketBoundaries{5, 10, 20, 50, 100, 200, 500, 1000});
  a->clip_steps_ = &prometheus::BuildCounter().Name("mimic_actor_clip_steps_total").Help("Environment steps by the reference clip each unroll began on").Register(r);
  if (a->envs_.rodent != nullptr) {
    auto& family = prometheus::BuildGauge()
                       .Name("mimic_actor_clip_sampling_weight")
                       .Help("Probability that this actor's next episode starts in the clip (adaptive start sampling)")
                       .Register(r);
    const ReferenceLibrary& library = a->envs_.context->library();
    for (int c = 0; c < library.num_clips(); ++c) a->clip_weights_.push_back(&family.Add({{"clip", library.clip(c).clip.name}}));
    a->PublishClipWeights();
  }
  if (!options.metrics_address.empty()) {
    MIMIC_ASSIGN_OR_RETURN(a->metrics_server_, MetricsServer::Start(options.metrics_address));
    a->metrics_server_->Register(a->registry_);
  }
  return a;
}

Actor::~Actor() = default;

bool Actor::WaitForParameters(absl::Notification& stop) {
  absl::Duration backoff = absl::Milliseconds(100);
  auto last_report = std::chrono::steady_clock::now();
  while (!stop.HasBeenNotified()) {
    SyncParameters();
    if (counters_.policy_version >= 0) return true;
    if (SecondsSince(last_report) > 10) {
      Log(options_.actor_id, "still waiting for the learner's first parameters at " + options_.learner_address);
      last_report = std::chrono::steady_clock::now();
    }
    stop.WaitForNotificationWithTimeout(backoff);
    backoff = std::min(absl::Seconds(2), backoff * 2);
  }
  return false;
}

void Actor::SyncParameters() {
  absl::StatusOr<Parameters> fetched =
      clients_->parameters.FetchNewerThan(counters_.policy_version, absl::Seconds(5));
  if (!fetched.ok()) {
    parameter_errors_total_->Increment();
    return;
  }
  if (!fetched->updated()) return;
  absl::Status loaded = LoadPolicyParameters(fetched->tensors(), *networks_);
  if (!loaded.ok()) {
    parameter_errors_total_->Increment();
    Log(options_.actor_id, absl::StrCat("parameters v", fetched->version(), " refused: ", loaded.message()));
    return;
  }
  counters_.policy_version = fetched->version();
  counters_.parameter_updates += 1;
  policy_version_->Set(static_cast<double>(counters_.policy_version));
}

void Actor::PublishClipWeights() {
  if (envs_.rodent == nullptr) return;
  const std::vector<double> weights = envs_.rodent->start_sampler().ClipWeights();
  for (size_t c = 0; c < weights.size() && c < clip_weights_.size(); ++c) clip_weights_[c]->Set(weights[c]);
}

void Actor::WriteStatus(double steps_per_second, double inference_fraction) {
  if (options_.status_path.empty()) return;
  absl::Status written = WriteStatusFile(
      options_.status_path, {{"env_steps", static_cast<double>(counters_.env_steps)},
                             {"env_steps_per_s", steps_per_second},
                             {"unrolls", static_cast<double>(counters_.unrolls)},
                             {"episodes", static_cast<double>(counters_.episodes)},
                             {"episode_return", MeanOf(recent_returns_)},
                             {"episode_length", MeanOf(recent_lengths_)},
                             {"policy_version", static_cast<double>(counters_.policy_version)},
                             {"inference_fraction", inference_fraction}});
  if (!written.ok()) Log(options_.actor_id, std::string(written.message()));
}

absl::Status Actor::Run(absl::Notification& stop) {
  if (!WaitForParameters(stop)) return absl::OkStatus();
  const int E = envs_.env->num_envs();
  PolicyActor policy(networks_, E, options_.seed, /*deterministic=*/false, options_.inference_threads);
  UnrollCollector collector(envs_.env.get(), &policy, options_.unroll_length);
  MIMIC_RETURN_IF_ERROR(collector.Start());
  const std::vector<TablePriority> tables = [&] {
    TablePriority tp;
    tp.set_table(options_.table);
    tp.set_priority(1.0);
    return std::vector<TablePriority>{tp};
  }();

  auto last_status = std::chrono::steady_clock::now();
  int64_t steps_at_status = 0;
  double inference_at_status = 0, env_at_status = 0;
  int64_t steps_since_sync = 0;
  while (!stop.HasBeenNotified()) {
    if (options_.max_env_steps > 0 && counters_.env_steps >= options_.max_env_steps) break;
    UnrollOrigin origin;
    origin.policy_version = counters_.policy_version;
    origin.actor_id = options_.actor_id;
    if (envs_.rodent) {
      origin.clip_ids.assign(envs_.rodent->clip_ids(), envs_.rodent->clip_ids() + E);
      origin.first_frames.assign(envs_.rodent->frames(), envs_.rodent->frames() + E);
    }
    const double inference_before = collector.inference_seconds(), env_before = collector.env_seconds();
    MIMIC_ASSIGN_OR_RETURN(Batch batch, collector.Collect());
    inference_seconds_total_->Increment(collector.inference_seconds() - inference_before);
    env_seconds_total_->Increment(collector.env_seconds() - env_before);
    counters_.env_steps += static_cast<int64_t>(E) * options_.unroll_length;
    for (int32_t clip : origin.clip_ids) {
      auto [it, added] = clip_steps_by_id_.try_emplace(clip, nullptr);
      if (added) it->second = &clip_steps_->Add({{"clip", absl::StrCat(clip)}});
      it->second->Increment(options_.unroll_length);
    }
    env_steps_total_->Increment(static_cast<double>(E) * options_.unroll_length);
    const std::vector<double> returns = collector.TakeFinishedReturns();
    const std::vector<int> lengths = collector.TakeFinishedLengths();
    for (size_t i = 0; i < returns.size(); ++i) {
      episode_return_->Observe(returns[i]);
      episode_length_->Observe(lengths[i]);
      recent_returns_.push_back(returns[i]);
      recent_lengths_.push_back(lengths[i]);
    }
    counters_.episodes += static_cast<int64_t>(returns.size());
    episodes_total_->Increment(static_cast<double>(returns.size()));

    for (Unroll& unroll : SplitBatch(batch, origin)) {
      // back-pressure: blocks while replay is full or away; a stop request still gets through
      while (!stop.HasBeenNotified()) {
        absl::Status inserted = clients_->writer.Insert(std::move(unroll), tables);  // moved only once queued
        if (inserted.ok()) {
          counters_.unrolls += 1;
          unrolls_total_->Increment();
          break;
        }
        if (absl::IsDeadlineExceeded(inserted)) continue;  // not queued: try the same unroll again
        insert_errors_total_->Increment();
        Log(options_.actor_id, absl::StrCat("replay refused an unroll: ", inserted.message()));
        break;
      }
    }

    steps_since_sync += options_.unroll_length;
    if (steps_since_sync >= options_.parameter_sync_steps) {
      steps_since_sync = 0;
      SyncParameters();
    }
    const double since = SecondsSince(last_status);
    if (since >= 2.0) {
      const double inference = collector.inference_seconds() - inference_at_status;
      const double env = collector.env_seconds() - env_at_status;
      WriteStatus((counters_.env_steps - steps_at_status) / since, inference / std::max(1e-9, inference + env));
      PublishClipWeights();
      steps_at_status = counters_.env_steps;
      inference_at_status = collector.inference_seconds();
      env_at_status = collector.env_seconds();
      last_status = std::chrono::steady_clock::now();
      if (recent_returns_.size() > 100) recent_returns_.erase(recent_returns_.begin(), recent_returns_.end() - 100);
      if (recent_lengths_.size() > 100) recent_lengths_.erase(recent_lengths_.begin(), recent_lengths_.end() - 100);
    }
  }
  WriteStatus(0, 0);
  absl::Status flushed = clients_->writer.Close(absl::Seconds(5));
  if (!flushed.ok()) Log(options_.actor_id, absl::StrCat("closing the replay writer: ", flushed.message()));
  return absl::OkStatus();
}

}  // namespace mimic
