// The replay service's state and logic without the network: named tables, items stored once
// and shared by the tables they go into, writer de-duplication, and checkpoints.
//
// Durability: an item is acknowledged once it is in every named table; a checkpoint holds every
// item acknowledged before it began. A crash (kill -9) loses the items acknowledged after the last
// checkpoint, and items sampled after it are delivered again after the restore (in Queue tables:
// at-least-once delivery). SIGTERM closes the tables and writes a final checkpoint: nothing is lost.
//
// Thread safety: all methods may be called concurrently.
#ifndef MIMIC_REPLAY_REPLAY_CORE_H_
#define MIMIC_REPLAY_REPLAY_CORE_H_

#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "proto/replay.pb.h"
#include "replay/checkpoint_io.h"
#include "replay/table.h"

namespace mimic::replay {

struct InsertResult {
  uint64_t key = 0;
  bool duplicate = false;  // a resend of an already inserted sequence number
};

class ReplayCore {
 public:
  // Builds the tables; restores the newest checkpoint in config.checkpoint_dir() that reads back
  // whole (corrupt newer ones are renamed `.corrupt` and reported), after removing temporaries.
  static absl::StatusOr<std::unique_ptr<ReplayCore>> Create(const ReplayConfig& config);

  absl::StatusOr<Table*> FindTable(const std::string& name) const;

  // Validates, then waits for room in every named table and commits to all of them together.
  absl::StatusOr<InsertResult> Insert(const InsertCall& call, absl::Time deadline, const Cancelled& cancelled);

  // Refuses (RESOURCE_EXHAUSTED) a batch over max_batch_size, or one whose items could take more
  // than `max_bytes`, before anything is drawn.
  absl::StatusOr<std::vector<Sample>> SampleBatch(const std::string& table, int batch_size, absl::Time deadline,
                                                  const Cancelled& cancelled,
                                                  int64_t max_bytes = std::numeric_limits<int64_t>::max());

  // The bounds parsers of this server's requests keep to (from the config).
  const WireLimits& wire_limits() const { return wire_limits_; }

  absl::StatusOr<UpdatePrioritiesResponse> UpdatePriorities(const UpdatePrioritiesRequest& request);

  InfoResponse Info() const;

  // Writes a consistent checkpoint (FailedPrecondition when no checkpoint_dir is configured).
  absl::StatusOr<CheckpointResponse> Checkpoint();

  // Wakes every blocked call with UNAVAILABLE; later calls fail at once.
  void Close();

  // An Insert stream from `writer_id` opened / closed. Tables sized per writer follow the number of
  // distinct ids with a stream open (a reconnecting writer may briefly hold two).
  void WriterStreamOpened(const std::string& writer_id);
  void WriterStreamClosed(const std::string& writer_id);
  int writers() const;

  const ReplayConfig& config() const { return config_; }
  bool restored() const { return restored_; }
  const std::string& restored_from() const { return restored_from_; }

 private:
  explicit ReplayCore(ReplayConfig config);
  absl::Status Restore(const std::string& path, CheckpointData data);
  // Records `sequence` as `writer`'s last; forgets the least recently active writers past max_writers.
  void RememberWriter(const std::string& writer, int64_t sequence) ABSL_EXCLUSIVE_LOCKS_REQUIRED(key_mu_);

  ReplayConfig config_;
  WireLimits wire_limits_;
  int max_batch_size_;
  int max_writers_;
  std::map<std::string, std::unique_ptr<Table>> tables_;  // fixed after Create
  bool restored_ = false;
  std::string restored_from_;

  // Inserts commit under a shared lock; a checkpoint takes it exclusively, so it never sees an
  // item in some of its tables but not others, nor a writer sequence without its item.
  mutable absl::Mutex commit_mu_;
  // taken after commit_mu_ (shared by inserts, exclusive for checkpoints)
  mutable absl::Mutex key_mu_ ABSL_ACQUIRED_AFTER(commit_mu_);
  uint64_t next_key_ ABSL_GUARDED_BY(key_mu_) = 1;
  struct WriterState {
    int64_t sequence = 0;
    uint64_t last_active = 0;  // a tick of writer_clock_
  };
  absl::flat_hash_map<std::string, WriterState> writer_states_ ABSL_GUARDED_BY(key_mu_);
  uint64_t writer_clock_ ABSL_GUARDED_BY(key_mu_) = 0;

  mutable absl::Mutex writers_mu_;
  absl::flat_hash_map<std::string, int> open_streams_ ABSL_GUARDED_BY(writers_mu_);  // writer id -> streams

  absl::Mutex checkpoint_mu_;  // one checkpoint at a time
  // what Info reports of checkpoints: its own lock, so a scrape never waits for a checkpoint
  mutable absl::Mutex stats_mu_;
  int64_t checkpoints_ ABSL_GUARDED_BY(stats_mu_) = 0;
  std::string last_checkpoint_ ABSL_GUARDED_BY(stats_mu_);
};

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_REPLAY_CORE_H_
