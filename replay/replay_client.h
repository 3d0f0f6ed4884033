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
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/grpc_security.h"
#include "proto/replay.grpc.pb.h"
#include "replay/stored_item.h"

namespace mimic::replay {

using StubFactory = std::function<std::unique_ptr<ReplayService::StubInterface>()>;
using ChannelFactory = std::function<std::shared_ptr<grpc::Channel>()>;

// A fresh channel to `address` each time (so a restarted server is found again), tuned for
// ~100 KB-10 MB messages, with `security`'s token on every call and its TLS settings.
ChannelFactory ReplayChannelFactory(const std::string& address, int64_t max_message_bytes = 64 << 20,
                                    const ClientSecurity& security = {});
// Stubs over such channels.
StubFactory ChannelStubFactory(const std::string& address, int64_t max_message_bytes = 64 << 20,
                               const ClientSecurity& security = {});

struct Backoff {
  absl::Duration initial = absl::Milliseconds(50);
  absl::Duration max = absl::Seconds(2);
};

struct WriterOptions {
  std::string writer_id;       // empty: a random id (duplicates are then only caught per writer object)
  int max_in_flight = 32;      // unacknowledged items before Insert blocks (back-pressure)
  Backoff backoff;
  absl::Duration insert_timeout = absl::Seconds(60);  // longest Insert may block
  // Items queued together go out in one message of up to this many bytes (an item larger than
  // this goes alone): fewer, larger messages cost gRPC less per item. A server that refuses a
  // message of several items as too large (RESOURCE_EXHAUSTED) gets them again in halves.
  int64_t max_message_bytes = 1 << 20;
};

// Streams items in order; every item is delivered exactly once as long as the server keeps its
// state (acknowledged items survive a server restart only up to its last checkpoint).
//
// Thread safety: Insert, Flush and Close may be called from any thread.
class ReplayWriter {
 public:
  // With `channels` the stream carries raw bytes and tensor payloads are sent from the inserted
  // unrolls' own memory; without, messages go through the stubs (serialized, so copied).
  ReplayWriter(StubFactory factory, WriterOptions options, ChannelFactory channels = nullptr);
  // A writer over real channels to `address`.
  static std::unique_ptr<ReplayWriter> ForAddress(const std::string& address, WriterOptions options,
                                                  const ClientSecurity& security = {});
  ~ReplayWriter();

  // Queues `item` for `tables`. Blocks while max_in_flight items await acknowledgement. Returns
  // the error of an earlier item the server refused (that item is dropped), or DEADLINE_EXCEEDED
  // when no room freed up within insert_timeout (the server is unreachable or not sampling).
  absl::Status Insert(const Unroll& item, const std::vector<TablePriority>& tables);
  // The same without copying the payload: `item` is moved from when (and only when) it is queued,
  // so a caller can retry with it after an error.
  absl::Status Insert(Unroll&& item, const std::vector<TablePriority>& tables);
  // The same for an unroll the caller shares (one item sent to several writers, or again): its
  // payloads are sent from its memory, which the writer keeps alive until they are acknowledged.
  absl::Status Insert(std::shared_ptr<const Unroll> item, const std::vector<TablePriority>& tables);
  // Waits until every queued item is acknowledged.
  absl::Status Flush(absl::Duration timeout);
  // Flushes, then stops. Unacknowledged items are dropped after `timeout`.
  absl::Status Close(absl::Duration timeout = absl::Seconds(10));

  int64_t acknowledged() const;
  int64_t reconnects() const;

 private:
  struct Pending {
    int64_t sequence = 0;
    absl::Cord wire;           // the InsertItem's bytes, payloads shared with the inserted unroll
    int sent_with = 0;         // items in the message it was last written in
    int64_t message_bytes = 0;  // and that message's size
  };
  // One open Insert stream.
  class InsertStream;
  class StubInsertStream;
  class RawInsertStream;

  // Waits for room, then queues the wire bytes `wire(sequence)` builds.
  absl::Status Enqueue(absl::FunctionRef<absl::Cord(int64_t sequence)> wire);
  void SendLoop();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  StubFactory factory_;
  WriterOptions options_;
  ChannelFactory channels_;
  mutable absl::Mutex mu_;
  std::deque<Pending> pending_ ABSL_GUARDED_BY(mu_);  // unacknowledged, in sequence order
  size_t sent_ ABSL_GUARDED_BY(mu_) = 0;               // of pending_, written on the current stream
  int64_t message_cap_ ABSL_GUARDED_BY(mu_);  // bytes per message, halved on RESOURCE_EXHAUSTED
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
  // 0: each call is its own request, and nothing is sampled before it is asked for.
  // N > 0: a background thread keeps up to N batches ready over one flow-controlled stream
  // (SampleFlow), granting the server exactly as many batches as there is room for, so sampling
  // and transfer overlap with the caller's work. At most N batches are ever sampled ahead; those
  // never taken are gone from a Queue table when the sampler is destroyed.
  int prefetch_batches = 0;
};

// Thread safety: one thread at a time.
class ReplaySampler {
 public:
  // With `channels` (and prefetch_batches > 0) batches stream as raw bytes and NextViews hands
  // out the received buffers without a copy; without, everything goes through the stubs.
  ReplaySampler(StubFactory factory, SamplerOptions options, ChannelFactory channels = nullptr);
  // A sampler over real channels to `address`.
  static std::unique_ptr<ReplaySampler> ForAddress(const std::string& address, SamplerOptions options,
                                                   const ClientSecurity& security = {});
  ~ReplaySampler();

  // One batch, waiting up to `timeout` for the rate limiter and for the server to be reachable.
  absl::StatusOr<std::vector<SampledItem>> Next(absl::Duration timeout);
  // The same batch as views of the received bytes (tensor payloads are not copied when streaming
  // over a channel; otherwise they are re-serialized from the parsed items).
  absl::StatusOr<std::vector<SampledView>> NextViews(absl::Duration timeout);
  absl::StatusOr<UpdatePrioritiesResponse> UpdatePriorities(const std::vector<KeyPriority>& updates,
                                                            absl::Duration timeout = absl::Seconds(10));
  absl::StatusOr<InfoResponse> Info(absl::Duration timeout = absl::Seconds(10));

 private:
  // One open sample stream; Read gives the next batch, false at its end.
  class BatchStream;
  class StubBatchStream;
  class RawBatchStream;

  ReplayService::StubInterface* Stub();
  SampleRequest Request(int num_batches) const;
  absl::StatusOr<std::vector<SampledView>> NextPrefetched(absl::Duration timeout);
  void PrefetchLoop();
  void StopPrefetch();

  StubFactory factory_;
  SamplerOptions options_;
  ChannelFactory channels_;
  std::unique_ptr<ReplayService::StubInterface> stub_;

  // prefetching (options_.prefetch_batches > 0)
  absl::Mutex mu_;
  std::deque<std::vector<SampledView>> ready_ ABSL_GUARDED_BY(mu_);
  absl::Status prefetch_error_ ABSL_GUARDED_BY(mu_);  // why the stream ended; reported once ready_ drains
  bool prefetch_done_ ABSL_GUARDED_BY(mu_) = false;   // the prefetch thread has ended
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* prefetch_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread prefetcher_;
};

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_REPLAY_CLIENT_H_
