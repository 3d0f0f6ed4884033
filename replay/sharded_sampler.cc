#include "replay/sharded_sampler.h"

#include "absl/strings/str_cat.h"

namespace mimic::replay {
namespace {

// how long a shard's thread waits in one call: bounds how long stopping takes
constexpr absl::Duration kShardPoll = absl::Milliseconds(200);

}  // namespace

std::unique_ptr<ShardedSampler> ShardedSampler::ForAddresses(const std::vector<std::string>& addresses,
                                                             const SamplerOptions& options,
                                                             const ClientSecurity& security) {
  std::vector<std::unique_ptr<ReplaySampler>> shards;
  for (const std::string& address : addresses) {
    shards.push_back(ReplaySampler::ForAddress(address, options, security));
  }
  return std::make_unique<ShardedSampler>(std::move(shards), addresses);
}

ShardedSampler::ShardedSampler(std::vector<std::unique_ptr<ReplaySampler>> shards, std::vector<std::string> names)
    : shards_(std::move(shards)), names_(std::move(names)) {
  names_.resize(shards_.size());
  absl::MutexLock lock(&mu_);
  waiting_.assign(shards_.size(), false);
  handed_out_.assign(shards_.size(), 0);
  if (shards_.size() < 2) return;
  for (size_t s = 0; s < shards_.size(); ++s) threads_.emplace_back([this, s] { Drain(static_cast<int>(s)); });
}

ShardedSampler::~ShardedSampler() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

void ShardedSampler::Drain(int shard) {
  while (true) {
    {
      // one batch per shard waits in the hand-off; fetch the next once it is taken
      absl::MutexLock lock(&mu_);
      auto room = [this, shard]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !waiting_[shard]; };
      mu_.Await(absl::Condition(&room));
      if (stopping_) return;
    }
    absl::StatusOr<std::vector<SampledView>> batch = shards_[shard]->NextViews(kShardPoll);
    const bool quiet = absl::IsDeadlineExceeded(batch.status()) || absl::IsUnavailable(batch.status());
    if (!batch.ok() && quiet) {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      continue;
    }
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    if (!batch.ok()) {
      batch = absl::Status(batch.status().code(), absl::StrCat("replay shard ", names_[shard], ": ",
                                                               batch.status().message()));
    }
    const bool failed = !batch.ok();
    ready_.push_back({shard, std::move(batch)});
    waiting_[shard] = true;
    if (failed) {
      // back off before asking a failing shard again (stop still ends the wait)
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Seconds(1));
      if (stopping_) return;
    }
  }
}

absl::StatusOr<std::vector<SampledView>> ShardedSampler::NextViews(absl::Duration timeout, int* shard) {
  if (shard != nullptr) *shard = 0;
  if (shards_.empty()) return absl::FailedPreconditionError("no replay shards");
  if (shards_.size() == 1) {
    absl::StatusOr<std::vector<SampledView>> batch = shards_[0]->NextViews(timeout);
    if (batch.ok()) {
      absl::MutexLock lock(&mu_);
      ++handed_out_[0];
    }
    return batch;
  }
  absl::MutexLock lock(&mu_);
  auto has_ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !ready_.empty(); };
  if (!mu_.AwaitWithTimeout(absl::Condition(&has_ready), timeout)) {
    return absl::DeadlineExceededError(absl::StrCat("no replay shard had a batch within ", absl::FormatDuration(timeout)));
  }
  Ready next = std::move(ready_.front());
  ready_.pop_front();
  waiting_[next.shard] = false;
  if (shard != nullptr) *shard = next.shard;
  if (next.batch.ok()) ++handed_out_[next.shard];
  return std::move(next.batch);
}

std::vector<int64_t> ShardedSampler::batches_per_shard() const {
  absl::MutexLock lock(&mu_);
  return handed_out_;
}

}  // namespace mimic::replay
