#include "replay/replay_client.h"

#include <algorithm>
#include <optional>
#include <random>

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/rpc_method.h>
#include <grpcpp/impl/codegen/sync_stream.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "replay/byte_buffer_cord.h"
#include "replay/insert_wire.h"
#include "replay/transport_args.h"

namespace mimic::replay {
namespace {

// Errors that say the item itself was refused: retrying it cannot help.
bool IsItemError(grpc::StatusCode code) {
  return code == grpc::INVALID_ARGUMENT || code == grpc::NOT_FOUND || code == grpc::FAILED_PRECONDITION ||
         code == grpc::RESOURCE_EXHAUSTED || code == grpc::OUT_OF_RANGE;
}

std::string RandomWriterId() {
  std::random_device rd;
  return absl::StrFormat("writer-%08x%08x", rd(), rd());
}

}  // namespace

ChannelFactory ReplayChannelFactory(const std::string& address, int64_t max_message_bytes,
                                    const ClientSecurity& security) {
  return [address, max_message_bytes, security]() -> std::shared_ptr<grpc::Channel> {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(static_cast<int>(max_message_bytes));
    args.SetMaxSendMessageSize(static_cast<int>(max_message_bytes));
    // reconnect promptly after a server restart
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    // a connection of its own: channels with equal arguments otherwise share one TCP connection
    // per process, and every writer and sampler of a process would queue on it
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    ApplyBulkTransportArgs([&args](const std::string& name, int value) { args.SetInt(name, value); });
    return SecureChannel(address, security, args);
  };
}

StubFactory ChannelStubFactory(const std::string& address, int64_t max_message_bytes, const ClientSecurity& security) {
  return [channels = ReplayChannelFactory(address, max_message_bytes, security)]()
             -> std::unique_ptr<ReplayService::StubInterface> {
    return ReplayService::NewStub(channels());
  };
}

namespace {

// A bidi call whose directions may differ in type: the payload-carrying direction as raw bytes,
// the small control messages (acknowledgements, grants) as generated types.
template <typename Write, typename Read>
std::unique_ptr<grpc::ClientReaderWriter<Write, Read>> OpenMixedStream(grpc::Channel* channel, const char* method,
                                                                      grpc::ClientContext* context) {
  return std::unique_ptr<grpc::ClientReaderWriter<Write, Read>>(
      grpc::internal::ClientReaderWriterFactory<Write, Read>::Create(
          channel, grpc::internal::RpcMethod(method, grpc::internal::RpcMethod::BIDI_STREAMING), context));
}

}  // namespace

// ---------------------------------------------------------------- writer

namespace {
constexpr char kInsertMethod[] = "/mimic.ReplayService/Insert";
}  // namespace

class ReplayWriter::InsertStream {
 public:
  virtual ~InsertStream() = default;
  virtual bool Write(const std::string& writer_id, const std::vector<absl::Cord>& items) = 0;
  virtual bool Read(InsertResponse* ack) = 0;
  virtual void WritesDone() = 0;
  virtual grpc::Status Finish() = 0;
};

// Through the generated stub: each item is parsed back into a message (a copy), for stubs that
// are not backed by a channel (fakes in tests).
class ReplayWriter::StubInsertStream : public InsertStream {
 public:
  StubInsertStream(ReplayService::StubInterface* stub, grpc::ClientContext* context) : stream_(stub->Insert(context)) {}
  bool Write(const std::string& writer_id, const std::vector<absl::Cord>& items) override {
    InsertRequest request;
    request.set_writer_id(writer_id);
    for (const absl::Cord& item : items) {
      if (!request.add_items()->ParseFromString(std::string(item))) return false;
    }
    return stream_->Write(request);
  }
  bool Read(InsertResponse* ack) override { return stream_->Read(ack); }
  void WritesDone() override { stream_->WritesDone(); }
  grpc::Status Finish() override { return stream_->Finish(); }

 private:
  std::unique_ptr<grpc::ClientReaderWriterInterface<InsertRequest, InsertResponse>> stream_;
};

// The same RPC on raw bytes: messages are cords over the items' own payloads.
class ReplayWriter::RawInsertStream : public InsertStream {
 public:
  RawInsertStream(std::shared_ptr<grpc::Channel> channel, grpc::ClientContext* context)
      : channel_(std::move(channel)),
        stream_(OpenMixedStream<grpc::ByteBuffer, InsertResponse>(channel_.get(), kInsertMethod, context)) {}
  bool Write(const std::string& writer_id, const std::vector<absl::Cord>& items) override {
    return stream_->Write(ByteBufferFromCord(InsertRequestWire(writer_id, items)));
  }
  bool Read(InsertResponse* ack) override { return stream_->Read(ack); }
  void WritesDone() override { stream_->WritesDone(); }
  grpc::Status Finish() override { return stream_->Finish(); }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, InsertResponse>> stream_;
};

ReplayWriter::ReplayWriter(StubFactory factory, WriterOptions options, ChannelFactory channels)
    : factory_(std::move(factory)), options_(std::move(options)), channels_(std::move(channels)) {
  if (options_.writer_id.empty()) options_.writer_id = RandomWriterId();
  options_.max_in_flight = std::max(1, options_.max_in_flight);
  message_cap_ = options_.max_message_bytes;
  sender_ = std::thread([this] { SendLoop(); });
}

std::unique_ptr<ReplayWriter> ReplayWriter::ForAddress(const std::string& address, WriterOptions options,
                                                       const ClientSecurity& security) {
  return std::make_unique<ReplayWriter>(ChannelStubFactory(address, 64 << 20, security), std::move(options),
                                        ReplayChannelFactory(address, 64 << 20, security));
}

ReplayWriter::~ReplayWriter() { Close(absl::ZeroDuration()).IgnoreError(); }

absl::Status ReplayWriter::Insert(const Unroll& item, const std::vector<TablePriority>& tables) {
  Unroll copy = item;
  return Insert(std::move(copy), tables);
}

absl::Status ReplayWriter::Insert(Unroll&& item, const std::vector<TablePriority>& tables) {
  // headers only; payloads shared
  return Enqueue([&](int64_t sequence) { return InsertItemWire(sequence, std::move(item), tables); });
}

absl::Status ReplayWriter::Insert(std::shared_ptr<const Unroll> item, const std::vector<TablePriority>& tables) {
  if (item == nullptr) return absl::InvalidArgumentError("no unroll to insert");
  return Enqueue([&](int64_t sequence) { return InsertItemWire(sequence, std::move(item), tables); });
}

absl::Status ReplayWriter::Enqueue(absl::FunctionRef<absl::Cord(int64_t sequence)> wire) {
  absl::MutexLock lock(&mu_);
  if (!error_.ok()) return std::exchange(error_, absl::OkStatus());
  if (closing_) return absl::FailedPreconditionError("the writer is closed");
  auto has_room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return static_cast<int>(pending_.size()) < options_.max_in_flight || !error_.ok();
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&has_room), options_.insert_timeout)) {
    return absl::DeadlineExceededError(absl::StrCat("no acknowledgement from the replay service for ",
                                                    absl::FormatDuration(options_.insert_timeout), " (",
                                                    pending_.size(), " items waiting)"));
  }
  if (!error_.ok()) return std::exchange(error_, absl::OkStatus());
  Pending pending;
  pending.sequence = next_sequence_++;
  pending.wire = wire(pending.sequence);
  pending_.push_back(std::move(pending));
  return absl::OkStatus();
}

absl::Status ReplayWriter::Flush(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return pending_.empty() || !error_.ok(); };
  if (!mu_.AwaitWithTimeout(absl::Condition(&drained), timeout)) {
    return absl::DeadlineExceededError(absl::StrCat(pending_.size(), " items still unacknowledged"));
  }
  if (!error_.ok()) return std::exchange(error_, absl::OkStatus());
  return absl::OkStatus();
}

absl::Status ReplayWriter::Close(absl::Duration timeout) {
  absl::Status flushed = absl::OkStatus();
  if (timeout > absl::ZeroDuration()) flushed = Flush(timeout);
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
  }
  if (sender_.joinable()) sender_.join();
  return flushed;
}

int64_t ReplayWriter::acknowledged() const {
  absl::MutexLock lock(&mu_);
  return acknowledged_;
}

int64_t ReplayWriter::reconnects() const {
  absl::MutexLock lock(&mu_);
  return reconnects_;
}

bool ReplayWriter::HasWork() const { return closing_ || broken_ || sent_ < pending_.size(); }

void ReplayWriter::SendLoop() {
  absl::Duration backoff = options_.backoff.initial;
  // kept across streams the server ended over an item; made anew only to reconnect (each channel
  // is a TCP connection of its own)
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<ReplayService::StubInterface> stub;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (closing_) return;
      broken_ = false;
      sent_ = 0;  // a new stream resends everything unacknowledged; the server drops duplicates
    }
    grpc::ClientContext context;
    std::unique_ptr<InsertStream> stream;
    if (channels_) {
      if (!channel) channel = channels_();
      stream = std::make_unique<RawInsertStream>(channel, &context);
    } else {
      if (!stub) stub = factory_();
      stream = std::make_unique<StubInsertStream>(stub.get(), &context);
    }
    std::thread reader([this, &stream] {
      InsertResponse ack;
      while (stream->Read(&ack)) {
        absl::MutexLock lock(&mu_);
        while (!pending_.empty() && pending_.front().sequence <= ack.sequence()) {
          pending_.pop_front();
          if (sent_ > 0) --sent_;
          ++acknowledged_;
        }
      }
      absl::MutexLock lock(&mu_);
      broken_ = true;
    });
    bool made_progress = false;
    while (true) {
      // what has queued up goes out in one message (the cords share the items' bytes)
      std::vector<absl::Cord> items;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &ReplayWriter::HasWork));
        if (closing_ || broken_) break;
        int64_t bytes = 0;
        const size_t first = sent_;
        while (sent_ < pending_.size()) {
          const Pending& p = pending_[sent_];
          const int64_t size = static_cast<int64_t>(p.wire.size());
          if (!items.empty() && bytes + size > message_cap_) break;
          bytes += size;
          items.push_back(p.wire);
          ++sent_;
        }
        for (size_t i = first; i < sent_; ++i) {
          pending_[i].sent_with = static_cast<int>(items.size());
          pending_[i].message_bytes = bytes;
        }
      }
      if (!stream->Write(options_.writer_id, items)) break;
      made_progress = true;
    }
    {
      absl::MutexLock lock(&mu_);
      // keep the server's status when it ended the stream; cancel only to stop a healthy one
      if (closing_) context.TryCancel();
    }
    stream->WritesDone();
    reader.join();
    const grpc::Status status = stream->Finish();
    absl::MutexLock lock(&mu_);
    if (closing_) return;
    if (status.error_code() == grpc::RESOURCE_EXHAUSTED && !pending_.empty() && pending_.front().sent_with > 1) {
      // too large together, perhaps not alone: resend in smaller messages
      message_cap_ = std::max<int64_t>(1, std::min(message_cap_, pending_.front().message_bytes) / 2);
      continue;
    }
    if (IsItemError(status.error_code()) && !pending_.empty()) {
      // the first unacknowledged item was refused: report it and carry on with the rest
      error_ = FromGrpcStatus(status);
      pending_.pop_front();
      backoff = options_.backoff.initial;
      continue;
    }
    ++reconnects_;
    channel.reset();  // reconnect on a fresh connection (a restarted server is found again)
    stub.reset();
    if (made_progress) backoff = options_.backoff.initial;
    const absl::Duration wait = backoff;
    backoff = std::min(options_.backoff.max, backoff * 2);
    // sleep, but wake for Close
    auto closing = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closing_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&closing), wait)) return;
  }
}

// ---------------------------------------------------------------- sampler

namespace {

std::vector<SampledItem> TakeItems(SampleResponse& response) {
  std::vector<SampledItem> items(static_cast<size_t>(response.items_size()));
  for (int i = 0; i < response.items_size(); ++i) items[i].Swap(response.mutable_items(i));
  return items;
}

absl::StatusOr<std::vector<SampledView>> ViewsOf(const std::vector<SampledItem>& items) {
  std::vector<SampledView> views;
  for (const SampledItem& s : items) {
    auto item = StoredItem::FromUnroll(s.item());
    if (!item.ok()) return item.status();
    views.push_back({s.key(), s.probability(), s.table_size(), s.times_sampled(), s.priority(), *std::move(item)});
  }
  return views;
}

absl::StatusOr<std::vector<SampledItem>> ItemsOf(const std::vector<SampledView>& views) {
  std::vector<SampledItem> items(views.size());
  for (size_t i = 0; i < views.size(); ++i) {
    const SampledView& v = views[i];
    auto unroll = v.item->ToUnroll();
    if (!unroll.ok()) return unroll.status();
    items[i].set_key(v.key);
    items[i].set_probability(v.probability);
    items[i].set_table_size(v.table_size);
    items[i].set_times_sampled(v.times_sampled);
    items[i].set_priority(v.priority);
    items[i].mutable_item()->Swap(&*unroll);
  }
  return items;
}

constexpr char kSampleFlowMethod[] = "/mimic.ReplayService/SampleFlow";

}  // namespace

class ReplaySampler::BatchStream {
 public:
  virtual ~BatchStream() = default;
  // Grants `credit` more batches; the first grant carries the request.
  virtual bool Grant(int credit, const SampleRequest* first) = 0;
  // The next batch; nullopt when the stream has ended (Finish says why).
  virtual std::optional<absl::StatusOr<std::vector<SampledView>>> Read() = 0;
  virtual grpc::Status Finish() = 0;
};

namespace {

SampleFlowRequest GrantMessage(int credit, const SampleRequest* first) {
  SampleFlowRequest grant;
  if (first != nullptr) *grant.mutable_request() = *first;
  grant.set_credit(credit);
  return grant;
}

}  // namespace

// Through the generated stub: items are parsed (copied), then re-serialized into views.
class ReplaySampler::StubBatchStream : public BatchStream {
 public:
  StubBatchStream(ReplayService::StubInterface* stub, grpc::ClientContext* context)
      : stream_(stub->SampleFlow(context)) {}
  bool Grant(int credit, const SampleRequest* first) override { return stream_->Write(GrantMessage(credit, first)); }
  std::optional<absl::StatusOr<std::vector<SampledView>>> Read() override {
    SampleResponse response;
    if (!stream_->Read(&response)) return std::nullopt;
    return ViewsOf(TakeItems(response));
  }
  grpc::Status Finish() override { return stream_->Finish(); }

 private:
  std::unique_ptr<grpc::ClientReaderWriterInterface<SampleFlowRequest, SampleResponse>> stream_;
};

// The same RPC read as raw bytes: each batch's items share gRPC's receive buffers.
class ReplaySampler::RawBatchStream : public BatchStream {
 public:
  RawBatchStream(std::shared_ptr<grpc::Channel> channel, grpc::ClientContext* context)
      : channel_(std::move(channel)),
        stream_(OpenMixedStream<SampleFlowRequest, grpc::ByteBuffer>(channel_.get(), kSampleFlowMethod, context)) {}
  bool Grant(int credit, const SampleRequest* first) override { return stream_->Write(GrantMessage(credit, first)); }
  std::optional<absl::StatusOr<std::vector<SampledView>>> Read() override {
    grpc::ByteBuffer response;
    if (!stream_->Read(&response)) return std::nullopt;
    auto bytes = CordFromByteBuffer(response);
    if (!bytes.ok()) return bytes.status();
    return ParseSampleResponse(*bytes);
  }
  grpc::Status Finish() override { return stream_->Finish(); }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::ClientReaderWriter<SampleFlowRequest, grpc::ByteBuffer>> stream_;
};

ReplaySampler::ReplaySampler(StubFactory factory, SamplerOptions options, ChannelFactory channels)
    : factory_(std::move(factory)), options_(std::move(options)), channels_(std::move(channels)) {}

std::unique_ptr<ReplaySampler> ReplaySampler::ForAddress(const std::string& address, SamplerOptions options,
                                                         const ClientSecurity& security) {
  return std::make_unique<ReplaySampler>(ChannelStubFactory(address, 64 << 20, security), std::move(options),
                                         ReplayChannelFactory(address, 64 << 20, security));
}

ReplaySampler::~ReplaySampler() { StopPrefetch(); }

ReplayService::StubInterface* ReplaySampler::Stub() {
  if (!stub_) stub_ = factory_();
  return stub_.get();
}

SampleRequest ReplaySampler::Request(int num_batches) const {
  SampleRequest request;
  request.set_table(options_.table);
  request.set_batch_size(options_.batch_size);
  request.set_num_batches(num_batches);
  request.set_max_response_bytes(options_.max_response_bytes);
  return request;
}

absl::StatusOr<std::vector<SampledItem>> ReplaySampler::Next(absl::Duration timeout) {
  if (options_.prefetch_batches > 0) {
    MIMIC_ASSIGN_OR_RETURN(std::vector<SampledView> views, NextPrefetched(timeout));
    return ItemsOf(views);
  }
  const absl::Time deadline = absl::Now() + timeout;
  absl::Duration backoff = options_.backoff.initial;
  const SampleRequest request = Request(1);
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(deadline));
    auto reader = Stub()->Sample(&context, request);
    SampleResponse response;
    const bool got = reader->Read(&response);
    const grpc::Status status = reader->Finish();
    if (got && status.ok()) return TakeItems(response);
    if (status.ok()) return absl::InternalError("the sample stream ended without a batch");
    if (status.error_code() != grpc::UNAVAILABLE || absl::Now() + backoff >= deadline) return FromGrpcStatus(status);
    // server away: retry on a fresh channel after a pause
    absl::SleepFor(backoff);
    backoff = std::min(options_.backoff.max, backoff * 2);
    stub_.reset();
  }
}

absl::StatusOr<std::vector<SampledView>> ReplaySampler::NextViews(absl::Duration timeout) {
  if (options_.prefetch_batches > 0) return NextPrefetched(timeout);
  MIMIC_ASSIGN_OR_RETURN(std::vector<SampledItem> items, Next(timeout));
  return ViewsOf(items);
}

absl::StatusOr<std::vector<SampledView>> ReplaySampler::NextPrefetched(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  if (!prefetcher_.joinable()) prefetcher_ = std::thread([this] { PrefetchLoop(); });
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !ready_.empty() || prefetch_done_; };
  if (!mu_.AwaitWithTimeout(absl::Condition(&ready), timeout)) {
    return absl::DeadlineExceededError(absl::StrCat("no batch from table '", options_.table, "' within ",
                                                    absl::FormatDuration(timeout)));
  }
  if (!ready_.empty()) {
    std::vector<SampledView> batch = std::move(ready_.front());
    ready_.pop_front();
    return batch;
  }
  // the stream ended with an error: report it once; the next call opens a fresh stream
  absl::Status error = std::exchange(prefetch_error_, absl::OkStatus());
  if (error.ok()) error = absl::InternalError("the sample stream ended");
  prefetch_done_ = false;
  mu_.Unlock();
  prefetcher_.join();  // it has set prefetch_done_ and is exiting
  mu_.Lock();
  return error;
}

// Keeps up to prefetch_batches batches ready over one SampleFlow stream, granting the server
// exactly as many batches as there is room for: nothing is taken from a table beyond what the
// queue will hold, and batches arrive in the order they were sampled. Reconnects with backoff
// while the server is away; any other error ends the loop, reported by Next() once the batches
// before it are taken.
void ReplaySampler::PrefetchLoop() {
  const SampleRequest request = Request(0);
  absl::Duration backoff = options_.backoff.initial;
  std::unique_ptr<ReplayService::StubInterface> stub;
  absl::Status error;
  while (error.ok()) {
    grpc::ClientContext context;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
      prefetch_context_ = &context;
    }
    std::unique_ptr<BatchStream> stream;
    if (channels_) {
      stream = std::make_unique<RawBatchStream>(channels_(), &context);
    } else {
      if (!stub) stub = factory_();
      stream = std::make_unique<StubBatchStream>(stub.get(), &context);
    }
    int outstanding = 0;  // granted, not yet received
    bool first = true, got_any = false;
    while (true) {
      int grant = 0;
      {
        absl::MutexLock lock(&mu_);
        auto can_go_on = [this, &outstanding]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || outstanding > 0 || static_cast<int>(ready_.size()) < options_.prefetch_batches;
        };
        mu_.Await(absl::Condition(&can_go_on));
        if (stopping_) break;
        grant = options_.prefetch_batches - static_cast<int>(ready_.size()) - outstanding;
      }
      if (grant > 0) {
        if (!stream->Grant(grant, first ? &request : nullptr)) break;
        first = false;
        outstanding += grant;
      }
      auto batch = stream->Read();
      if (!batch.has_value()) break;
      if (!batch->ok()) {
        error = absl::DataLossError(absl::StrCat("a sampled batch does not parse: ", batch->status().message()));
        context.TryCancel();
        break;
      }
      --outstanding;
      got_any = true;
      absl::MutexLock lock(&mu_);
      ready_.push_back(*std::move(*batch));
    }
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) context.TryCancel();
    }
    const grpc::Status status = stream->Finish();
    {
      absl::MutexLock lock(&mu_);
      prefetch_context_ = nullptr;
      if (stopping_) break;
    }
    if (!error.ok()) break;
    if (status.ok()) {
      error = absl::InternalError("the server ended the sample stream");
      break;
    }
    if (status.error_code() != grpc::UNAVAILABLE) {
      error = FromGrpcStatus(status);
      break;
    }
    // server away: retry on a fresh channel after a pause (cut short by the destructor)
    if (got_any) backoff = options_.backoff.initial;
    stub.reset();
    absl::MutexLock lock(&mu_);
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff)) break;
    backoff = std::min(options_.backoff.max, backoff * 2);
  }
  absl::MutexLock lock(&mu_);
  prefetch_error_ = error;
  prefetch_done_ = true;
}

void ReplaySampler::StopPrefetch() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (prefetch_context_ != nullptr) prefetch_context_->TryCancel();
  }
  if (prefetcher_.joinable()) prefetcher_.join();
}

absl::StatusOr<UpdatePrioritiesResponse> ReplaySampler::UpdatePriorities(const std::vector<KeyPriority>& updates,
                                                                         absl::Duration timeout) {
  UpdatePrioritiesRequest request;
  request.set_table(options_.table);
  for (const KeyPriority& kp : updates) *request.add_updates() = kp;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  UpdatePrioritiesResponse response;
  const grpc::Status status = Stub()->UpdatePriorities(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<InfoResponse> ReplaySampler::Info(absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  InfoResponse response;
  const grpc::Status status = Stub()->Info(&context, InfoRequest(), &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

}  // namespace mimic::replay
