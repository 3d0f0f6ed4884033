// The learner's side of a sharded replay: one ReplaySampler per shard, each drained by its own
// thread into a hand-off where at most one batch per shard waits. NextViews returns the batch that
// arrived first, so a slow, empty or restarting shard never stalls the others, and every shard
// with data is served (a shard's thread waits until its batch is taken before fetching another).
// With one shard it calls that shard's sampler directly (no thread, as before sharding).
//
// Thread safety: NextViews from one thread at a time; the counters from any thread.
#ifndef MIMIC_REPLAY_SHARDED_SAMPLER_H_
#define MIMIC_REPLAY_SHARDED_SAMPLER_H_

#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "replay/replay_client.h"

namespace mimic::replay {

class ShardedSampler {
 public:
  // Samplers over real channels to each address (same table, batch size and prefetch on each).
  static std::unique_ptr<ShardedSampler> ForAddresses(const std::vector<std::string>& addresses,
                                                      const SamplerOptions& options,
                                                      const ClientSecurity& security = {});
  // `names` label the shards in errors and counters (addresses, usually).
  ShardedSampler(std::vector<std::unique_ptr<ReplaySampler>> shards, std::vector<std::string> names);
  ~ShardedSampler();

  // The next batch from whichever shard has one first. DEADLINE_EXCEEDED when none had a batch
  // within `timeout`; a shard's error other than a timeout or an unreachable server is returned
  // once, prefixed with the shard's name (its thread retries after a second).
  // `shard`, when given, is set to the index of the shard the batch (or error) came from.
  absl::StatusOr<std::vector<SampledView>> NextViews(absl::Duration timeout, int* shard = nullptr);

  int num_shards() const { return static_cast<int>(names_.size()); }
  const std::string& shard_name(int shard) const { return names_[shard]; }
  // Batches handed out from each shard so far.
  std::vector<int64_t> batches_per_shard() const;

 private:
  struct Ready {
    int shard = 0;
    absl::StatusOr<std::vector<SampledView>> batch;
  };
  void Drain(int shard);

  std::vector<std::unique_ptr<ReplaySampler>> shards_;
  std::vector<std::string> names_;
  mutable absl::Mutex mu_;
  std::deque<Ready> ready_ ABSL_GUARDED_BY(mu_);
  std::vector<bool> waiting_ ABSL_GUARDED_BY(mu_);  // shard has an entry in ready_
  std::vector<int64_t> handed_out_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_SHARDED_SAMPLER_H_
