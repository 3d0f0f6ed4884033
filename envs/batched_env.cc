#include "envs/batched_env.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace mimic {
namespace {

// Decorrelates per-environment seeds (SplitMix64 finaliser).
uint64_t MixSeed(uint64_t seed, uint64_t index) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * (index + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

absl::Status BatchedEnvOptions::Validate() const {
  if (num_envs < 1) return absl::InvalidArgumentError("num_envs must be >= 1");
  if (num_threads < 1) return absl::InvalidArgumentError("num_threads must be >= 1");
  if (batch_size < 0 || batch_size > num_envs) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_size must be in [0, num_envs=", num_envs, "], got ", batch_size));
  }
  return absl::OkStatus();
}

BatchedEnv::BatchedEnv(std::shared_ptr<const EnvContext> context, const BatchedEnvOptions& options)
    : context_(std::move(context)), options_(options) {}

BatchedEnv::~BatchedEnv() { pool_.reset(); }  // finish in-flight work before buffers go

absl::StatusOr<std::unique_ptr<BatchedEnv>> BatchedEnv::Create(
    std::shared_ptr<const EnvContext> context, const BatchedEnvOptions& options) {
  absl::Status valid = options.Validate();
  if (!valid.ok()) return valid;
  std::unique_ptr<BatchedEnv> b(new BatchedEnv(std::move(context), options));
  if (b->options_.batch_size == 0) b->options_.batch_size = options.num_envs;
  const int n = options.num_envs;
  b->obs_size_ = b->spec().observation.size();
  b->sampler_ = std::make_unique<StartSampler>(StartFrameCounts(*b->context_),
                                               b->context_->task().config().clip_sampling());
  for (int i = 0; i < n; ++i) {
    b->envs_.push_back(std::make_unique<RodentEnv>(b->context_, MixSeed(options.seed, i)));
    b->envs_.back()->set_start_sampler(b->sampler_.get());
  }
  b->ended_clip_.assign(n, -1);
  b->ended_start_.assign(n, 0);
  b->ended_failed_.assign(n, 0);
  // synchronous stepping uses the caller as one of the threads
  b->pool_ = std::make_unique<ThreadPool>(options.async ? options.num_threads : options.num_threads - 1);
  b->observations_.assign(static_cast<size_t>(n) * b->obs_size_, 0.f);
  b->final_obs_.assign(static_cast<size_t>(n) * b->obs_size_, 0.f);
  b->rewards_.assign(n, 0.f);
  b->discounts_.assign(n, 1.f);
  b->episode_end_.assign(n, 0);
  b->first_.assign(n, 0);
  b->clip_ids_.assign(n, 0);
  b->frames_.assign(n, 0);
  b->pending_actions_.assign(static_cast<size_t>(n) * b->spec().num_actions, 0.f);
  b->in_flight_.assign(n, 0);
  return b;
}

absl::Status BatchedEnv::CheckActions(absl::Span<const float> actions, size_t rows) const {
  const size_t na = spec().num_actions;
  if (actions.size() != rows * na) {
    return absl::InvalidArgumentError(absl::StrCat("actions hold ", actions.size(), " values, expected ",
                                                   rows, " x ", na, " = ", rows * na));
  }
  for (size_t i = 0; i < actions.size(); ++i) {
    if (!std::isfinite(actions[i])) {
      return absl::InvalidArgumentError(absl::StrCat("action ", i % na, " of row ", i / na,
                                                     " is not finite (", actions[i], ")"));
    }
  }
  return absl::OkStatus();
}

void BatchedEnv::ResetOne(int i) {
  float* obs = observations_.data() + static_cast<size_t>(i) * obs_size_;
  envs_[i]->ResetRandom(obs);
  rewards_[i] = 0.f;
  discounts_[i] = 1.f;
  episode_end_[i] = 0;
  first_[i] = 1;
  clip_ids_[i] = envs_[i]->clip();
  frames_[i] = envs_[i]->frame();
}

void BatchedEnv::StepOne(int i, const float* action) {
  float* obs = observations_.data() + static_cast<size_t>(i) * obs_size_;
  auto result = envs_[i]->Step(absl::MakeConstSpan(action, spec().num_actions), obs);
  // actions were checked and every env is running, so Step cannot fail here
  const StepResult r = result.ok() ? *result : StepResult{0, 0, EpisodeEnd::kUnstable, {}};
  rewards_[i] = static_cast<float>(r.reward);
  discounts_[i] = static_cast<float>(r.discount);
  episode_end_[i] = static_cast<uint8_t>(r.end);
  first_[i] = 0;
  clip_ids_[i] = envs_[i]->clip();
  frames_[i] = envs_[i]->frame();
  ended_clip_[i] = -1;
  if (r.end != EpisodeEnd::kNone) {
    ended_clip_[i] = envs_[i]->clip();
    ended_start_[i] = envs_[i]->start_frame();
    ended_failed_[i] = IsTermination(r.end) ? 1 : 0;
    std::memcpy(final_obs_.data() + static_cast<size_t>(i) * obs_size_, obs, obs_size_ * sizeof(float));
    envs_[i]->ResetRandom(obs);
    first_[i] = 1;
    clip_ids_[i] = envs_[i]->clip();
    frames_[i] = envs_[i]->frame();
  }
}

absl::Status BatchedEnv::Reset() {
  if (options_.async) return absl::FailedPreconditionError("Reset is for synchronous mode; use AsyncReset");
  pool_->ParallelFor(num_envs(), [this](int begin, int end) {
    for (int i = begin; i < end; ++i) ResetOne(i);
  });
  return absl::OkStatus();
}

absl::Status BatchedEnv::Step(absl::Span<const float> actions) {
  if (options_.async) return absl::FailedPreconditionError("Step is for synchronous mode; use Send/Recv");
  absl::Status valid = CheckActions(actions, num_envs());
  if (!valid.ok()) return valid;
  const int na = spec().num_actions;
  pool_->ParallelFor(num_envs(), [this, actions, na](int begin, int end) {
    for (int i = begin; i < end; ++i) StepOne(i, actions.data() + static_cast<size_t>(i) * na);
  });
  // after the parallel part and in env order, so the sampler's state never depends on threads
  std::vector<int> all(num_envs());
  for (int i = 0; i < num_envs(); ++i) all[i] = i;
  RecordEpisodeEnds(all);
  return absl::OkStatus();
}

void BatchedEnv::RecordEpisodeEnds(absl::Span<const int> ids) {
  for (int i : ids) {
    if (ended_clip_[i] < 0) continue;
    sampler_->Record(ended_clip_[i], ended_start_[i], ended_failed_[i] != 0);
    ended_clip_[i] = -1;
  }
}

void BatchedEnv::MarkDone(int i) {
  absl::MutexLock lock(&mu_);
  ready_.push_back(i);
}

bool BatchedEnv::HasBatch() const {
  return static_cast<int>(ready_.size()) >= options_.batch_size;
}

absl::Status BatchedEnv::AsyncReset() {
  if (!options_.async) return absl::FailedPreconditionError("AsyncReset needs async mode");
  for (int i = 0; i < num_envs(); ++i) {
    if (in_flight_[i]) return absl::FailedPreconditionError(absl::StrCat("env ", i, " is still in flight"));
  }
  for (int i = 0; i < num_envs(); ++i) {
    in_flight_[i] = 1;
    pool_->Schedule([this, i] {
      ResetOne(i);
      MarkDone(i);
    });
  }
  return absl::OkStatus();
}

absl::Status BatchedEnv::Send(absl::Span<const float> actions, absl::Span<const int> env_ids) {
  if (!options_.async) return absl::FailedPreconditionError("Send needs async mode");
  absl::Status valid = CheckActions(actions, env_ids.size());
  if (!valid.ok()) return valid;
  for (int id : env_ids) {
    if (id < 0 || id >= num_envs()) return absl::OutOfRangeError(absl::StrCat("env id ", id, " out of range"));
    if (in_flight_[id]) return absl::FailedPreconditionError(absl::StrCat("env ", id, " was sent twice before Recv"));
  }
  const int na = spec().num_actions;
  for (size_t k = 0; k < env_ids.size(); ++k) {
    const int i = env_ids[k];
    in_flight_[i] = 1;
    float* row = pending_actions_.data() + static_cast<size_t>(i) * na;
    std::copy(actions.begin() + k * na, actions.begin() + (k + 1) * na, row);
    pool_->Schedule([this, i, row] {
      StepOne(i, row);
      MarkDone(i);
    });
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int>> BatchedEnv::Recv() {
  if (!options_.async) return absl::FailedPreconditionError("Recv needs async mode");
  int outstanding = 0;
  for (uint8_t f : in_flight_) outstanding += f;
  if (outstanding < options_.batch_size) {
    return absl::FailedPreconditionError(absl::StrCat("only ", outstanding, " environments in flight, batch_size is ",
                                                      options_.batch_size));
  }
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &BatchedEnv::HasBatch));
  std::vector<int> ids(ready_.begin(), ready_.begin() + options_.batch_size);
  ready_.erase(ready_.begin(), ready_.begin() + options_.batch_size);
  for (int i : ids) in_flight_[i] = 0;
  RecordEpisodeEnds(ids);
  return ids;
}

}  // namespace mimic
