// When a table may take another insert or give another sample (Reverb's semantics).
//
//   MinSize(n):                 samples wait until the table holds n items; inserts never wait.
//   SampleToInsertRatio(r,n,e): once n items were inserted, keeps inserts*r - samples within
//                               n*r +- e: samples wait when too far ahead, inserts when too far behind.
//   Queue:                      inserts wait while the table is full, samples while it is empty
//                               (with FIFO order and one sample per item, each item once, in order).
//
// Thread safety: none; the table calls it under its mutex. Reserved inserts (admitted, not yet
// committed) count as inserts when admitting more, so concurrent writers cannot overshoot.
#ifndef MIMIC_REPLAY_RATE_LIMITER_H_
#define MIMIC_REPLAY_RATE_LIMITER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "proto/replay.pb.h"

namespace mimic::replay {

class RateLimiter {
 public:
  // From a table's config; `max_size` bounds the Queue.
  static absl::StatusOr<RateLimiter> FromConfig(const TableConfig& config);

  bool CanInsert(int64_t size) const;
  // Whether `count` samples may be taken now, one after another.
  bool CanSample(int64_t size, int64_t count = 1) const;

  void Reserve() { ++reserved_; }
  void CancelReservation() { --reserved_; }
  void CommitInsert() { --reserved_; ++inserts_; }
  void OnSample() { ++samples_; }
  bool is_queue() const { return kind_ == Kind::kQueue; }
  // A Queue's bound follows the table's capacity (see TableConfig.max_size_per_writer).
  void set_max_size(int64_t max_size) { max_size_ = max_size; }
  // Restores counters from a checkpoint.
  void Restore(int64_t inserts, int64_t samples) { inserts_ = inserts; samples_ = samples; }

  int64_t inserts() const { return inserts_; }
  int64_t samples() const { return samples_; }
  std::string Describe() const;

 private:
  enum class Kind { kMinSize, kRatio, kQueue };
  Kind kind_ = Kind::kMinSize;
  int64_t min_size_ = 1;
  double samples_per_insert_ = 1;
  double min_diff_ = 0, max_diff_ = 0;
  int64_t max_size_ = 0;
  int64_t inserts_ = 0, samples_ = 0, reserved_ = 0;
};

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_RATE_LIMITER_H_
