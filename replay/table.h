// A named replay table: items (unrolls, shared with other tables) with priorities, a sampler, a
// remover, a size limit, an optional per-item sample limit and a rate limiter.
//
// Thread safety: every method may be called from any thread. Inserts happen in two steps —
// ReserveInsert (may block on the rate limiter) then CommitInsert (never blocks) — so a server
// can reserve in several tables before committing to all of them at once. Blocking calls return
// DEADLINE_EXCEEDED at their deadline, CANCELLED when `cancelled()` turns true, and UNAVAILABLE
// once the table is closed.
#ifndef MIMIC_REPLAY_TABLE_H_
#define MIMIC_REPLAY_TABLE_H_

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/replay.pb.h"
#include "replay/rate_limiter.h"
#include "replay/selectors/selector.h"
#include "replay/stored_item.h"

namespace mimic::replay {

using Cancelled = std::function<bool()>;

struct TableItem {
  uint64_t key = 0;
  std::shared_ptr<const StoredItem> item;
  double priority = 0;
  int32_t times_sampled = 0;
  int64_t bytes = 0;
};

struct Sample {
  TableItem item;          // as it was when sampled (times_sampled includes this sample)
  double probability = 0;
  int64_t table_size = 0;  // before any removal this sample caused
};

class Table {
 public:
  static absl::StatusOr<std::unique_ptr<Table>> Create(const TableConfig& config, uint64_t seed = 0);

  const std::string& name() const { return config_.name(); }
  const TableConfig& config() const { return config_; }

  // Checks `item` against the table's signature (names, dtypes, shapes; -1 matches any size).
  absl::Status CheckSignature(const StoredItem& item) const;

  absl::Status ReserveInsert(absl::Time deadline, const Cancelled& cancelled);
  void CancelReservation();
  // Adds a reserved item; removes one item by the remover first if the table is full.
  void CommitInsert(uint64_t key, std::shared_ptr<const StoredItem> item, double priority, int64_t bytes);

  // Waits until the rate limiter admits `count` samples at once, then draws them together (so a
  // timeout never takes items it does not deliver). Items that reach max_times_sampled are
  // removed. INVALID_ARGUMENT when the table could never hold enough items for the batch.
  absl::StatusOr<std::vector<Sample>> SampleBatch(int count, absl::Time deadline, const Cancelled& cancelled);
  // The same, refusing (RESOURCE_EXHAUSTED, before drawing anything) a batch whose items could
  // take more than `max_bytes`: `count` times the largest item in the table, plus framing.
  absl::StatusOr<std::vector<Sample>> SampleBatch(int count, int64_t max_bytes, absl::Time deadline,
                                                  const Cancelled& cancelled);
  absl::StatusOr<Sample> SampleOne(absl::Time deadline, const Cancelled& cancelled);

  // Returns (updated, missing) counts; priorities must be finite and >= 0.
  absl::StatusOr<std::pair<int, int>> UpdatePriorities(const std::vector<std::pair<uint64_t, double>>& updates);

  TableInfo Info() const;

  // Wakes every waiter with UNAVAILABLE; later blocking calls fail at once.
  void Close();

  // With max_size_per_writer > 0, the capacity becomes max(max_size, max_size_per_writer x writers)
  // (waiting inserts are admitted at once when it grows). A non-queue table over a smaller capacity
  // is trimmed by its remover on the next insert; a queue lets its samples drain it.
  void SetWriters(int writers);
  int64_t capacity() const;

  // Checkpoint support: entries in insertion order with counters, and the reverse.
  CheckpointTable Snapshot(std::vector<TableItem>* items) const;
  absl::Status Restore(const CheckpointTable& state,
                       const absl::flat_hash_map<uint64_t, std::shared_ptr<const StoredItem>>& items);

 private:
  Table(TableConfig config, RateLimiter limiter, std::unique_ptr<KeySelector> sampler,
        std::unique_ptr<KeySelector> remover, uint64_t seed);
  bool InsertAllowed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Wait(const absl::Condition& ready, absl::Time deadline, const Cancelled& cancelled,
                    double* blocked_seconds) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Remove(uint64_t key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Add(TableItem item) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const TableConfig config_;
  mutable absl::Mutex mu_;
  RateLimiter limiter_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<KeySelector> sampler_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<KeySelector> remover_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, TableItem> items_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> order_ ABSL_GUARDED_BY(mu_);  // insertion order, for checkpoints (lazy deletes)
  int64_t deletes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  absl::btree_map<int64_t, int64_t> item_sizes_ ABSL_GUARDED_BY(mu_);  // bytes -> items of that size
  double insert_blocked_s_ ABSL_GUARDED_BY(mu_) = 0;
  double sample_blocked_s_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  int64_t capacity_ ABSL_GUARDED_BY(mu_);  // max_size, or more with writers (SetWriters)
};

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_TABLE_H_
