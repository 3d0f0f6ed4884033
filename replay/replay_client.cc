#include "replay/replay_client.h"

#include <algorithm>
#include <random>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/grpc_status.h"

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

StubFactory ChannelStubFactory(const std::string& address, int64_t max_message_bytes) {
  return [address, max_message_bytes]() -> std::unique_ptr<ReplayService::StubInterface> {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(static_cast<int>(max_message_bytes));
    args.SetMaxSendMessageSize(static_cast<int>(max_message_bytes));
    // reconnect promptly after a server restart
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    // unrolls are ~100 KB: fewer, larger HTTP/2 frames
    args.SetInt(GRPC_ARG_HTTP2_MAX_FRAME_SIZE, 1 << 20);
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 8 << 20);
    return ReplayService::NewStub(grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  };
}

// ---------------------------------------------------------------- writer

ReplayWriter::ReplayWriter(StubFactory factory, WriterOptions options)
    : factory_(std::move(factory)), options_(std::move(options)) {
  if (options_.writer_id.empty()) options_.writer_id = RandomWriterId();
  options_.max_in_flight = std::max(1, options_.max_in_flight);
  sender_ = std::thread([this] { SendLoop(); });
}

ReplayWriter::~ReplayWriter() { Close(absl::ZeroDuration()).IgnoreError(); }

absl::Status ReplayWriter::Insert(const Unroll& item, const std::vector<TablePriority>& tables) {
  Unroll copy = item;
  return Insert(std::move(copy), tables);
}

absl::Status ReplayWriter::Insert(Unroll&& item, const std::vector<TablePriority>& tables) {
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
  InsertRequest request;
  request.set_writer_id(options_.writer_id);
  request.set_sequence(next_sequence_++);
  request.mutable_item()->Swap(&item);
  for (const TablePriority& tp : tables) *request.add_tables() = tp;
  pending_.push_back(std::move(request));
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
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (closing_) return;
      broken_ = false;
      sent_ = 0;  // a new stream resends everything unacknowledged; the server drops duplicates
    }
    auto stub = factory_();
    grpc::ClientContext context;
    auto stream = stub->Insert(&context);
    std::thread reader([this, &stream] {
      InsertResponse ack;
      while (stream->Read(&ack)) {
        absl::MutexLock lock(&mu_);
        while (!pending_.empty() && pending_.front().sequence() <= ack.sequence()) {
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
      const InsertRequest* next = nullptr;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &ReplayWriter::HasWork));
        if (closing_ || broken_) break;
            // acknowledgements only ever remove items already written, and deque::push_back keeps
        // references valid, so the item can be written in place without a copy
        next = &pending_[sent_++];
      }
      if (!stream->Write(*next)) break;
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
    if (IsItemError(status.error_code()) && !pending_.empty()) {
      // the first unacknowledged item was refused: report it and carry on with the rest
      error_ = FromGrpcStatus(status);
      pending_.pop_front();
      backoff = options_.backoff.initial;
      continue;
    }
    ++reconnects_;
    if (made_progress) backoff = options_.backoff.initial;
    const absl::Duration wait = backoff;
    backoff = std::min(options_.backoff.max, backoff * 2);
    // sleep, but wake for Close
    auto closing = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closing_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&closing), wait)) return;
  }
}

// ---------------------------------------------------------------- sampler

ReplaySampler::ReplaySampler(StubFactory factory, SamplerOptions options)
    : factory_(std::move(factory)), options_(std::move(options)) {}

ReplayService::StubInterface* ReplaySampler::Stub() {
  if (!stub_) stub_ = factory_();
  return stub_.get();
}

absl::StatusOr<std::vector<SampledItem>> ReplaySampler::Next(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Duration backoff = options_.backoff.initial;
  SampleRequest request;
  request.set_table(options_.table);
  request.set_batch_size(options_.batch_size);
  request.set_num_batches(1);
  request.set_max_response_bytes(options_.max_response_bytes);
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(deadline));
    auto reader = Stub()->Sample(&context, request);
    SampleResponse response;
    const bool got = reader->Read(&response);
    const grpc::Status status = reader->Finish();
    if (got && status.ok()) {
      std::vector<SampledItem> items(static_cast<size_t>(response.items_size()));
      for (int i = 0; i < response.items_size(); ++i) items[i].Swap(response.mutable_items(i));
      return items;
    }
    if (status.ok()) return absl::InternalError("the sample stream ended without a batch");
    if (status.error_code() != grpc::UNAVAILABLE || absl::Now() + backoff >= deadline) return FromGrpcStatus(status);
    // server away: retry on a fresh channel after a pause
    absl::SleepFor(backoff);
    backoff = std::min(options_.backoff.max, backoff * 2);
    stub_.reset();
  }
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
