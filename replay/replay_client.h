// C++ client for the replay service: a writer for actors and a sampler for the learner. Both take
// a factory of the generated StubInterface, so tests can run them against an in-process server
// or a fake, and both reconnect with exponential backoff when the server goes away.
#ifndef MIMIC_REPLAY_REPLAY_CLIENT_H_
#define MIMIC_REPLAY_REPLAY_CLIENT_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/replay.grpc.pb.h"

namespace mimic::replay {

using StubFactory = std::function<std::unique_ptr<ReplayService::StubInterface>()>;

// Stubs over a fresh channel to `address` each time (so a restarted server is found again).
StubFactory ChannelStubFactory(const std::string& address, int64_t max_message_bytes = 64 << 20);

struct Backoff {
  absl::Duration initial = absl::Milliseconds(50);
  absl::Duration max = absl::Seconds(2);
};

struct WriterOptions {
  std::string writer_id;       // empty: a random id (duplicates are then only caught per writer object)
  int max_in_flight = 32;      // unacknowledged items before Insert blocks (back-pressure)
  Backoff backoff;
  absl::Duration insert_timeout = absl::Seconds(60);  // longest Insert may block
};

// Streams items in order; every item is delivered exactly once as long as the server keeps its
// state (acknowledged items survive a server restart only up to its last checkpoint).
//
// Thread safety: Insert, Flush and Close may be called from any thread.
class ReplayWriter {
 public:
  ReplayWriter(StubFactory factory, WriterOptions options);
  ~ReplayWriter();

  // Queues `item` for `tables`. Blocks while max_in_flight items await acknowledgement. Returns
  // the error of an earlier item the server refused (that item is dropped), or DEADLINE_EXCEEDED
  // when no room freed up within insert_timeout (the server is unreachable or not sampling).
  absl::Status Insert(const Unroll& item, const std::vector<TablePriority>& tables);
  // The same without copying the payload: `item` is moved from when (and only when) it is queued,
  // so a caller can retry with it after an error.
  absl::Status Insert(Unroll&& item, const std::vector<TablePriority>& tables);
  // Waits until every queued item is acknowledged.
  absl::Status Flush(absl::Duration timeout);
  // Flushes, then stops. Unacknowledged items are dropped after `timeout`.
  absl::Status Close(absl::Duration timeout = absl::Seconds(10));

  int64_t acknowledged() const;
  int64_t reconnects() const;

 private:
  void SendLoop();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  StubFactory factory_;
  WriterOptions options_;
  mutable absl::Mutex mu_;
  std::deque<InsertRequest> pending_ ABSL_GUARDED_BY(mu_);  // unacknowledged, in sequence order
  size_t sent_ ABSL_GUARDED_BY(mu_) = 0;                     // of pending_, written on the current stream
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  int64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t acknowledged_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t reconnects_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread sender_;
};

struct SamplerOptions {
  std::string table;
  int batch_size = 32;
  int64_t max_response_bytes = 0;  // 0: the server's limit
  Backoff backoff;
};

// Thread safety: one thread at a time.
class ReplaySampler {
 public:
  ReplaySampler(StubFactory factory, SamplerOptions options);

  // One batch, waiting up to `timeout` for the rate limiter and for the server to be reachable.
  absl::StatusOr<std::vector<SampledItem>> Next(absl::Duration timeout);
  absl::StatusOr<UpdatePrioritiesResponse> UpdatePriorities(const std::vector<KeyPriority>& updates,
                                                            absl::Duration timeout = absl::Seconds(10));
  absl::StatusOr<InfoResponse> Info(absl::Duration timeout = absl::Seconds(10));

 private:
  ReplayService::StubInterface* Stub();

  StubFactory factory_;
  SamplerOptions options_;
  std::unique_ptr<ReplayService::StubInterface> stub_;
};

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_REPLAY_CLIENT_H_
