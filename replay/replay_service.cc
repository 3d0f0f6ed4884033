#include "replay/replay_service.h"

#include <grpcpp/impl/rpc_service_method.h>
#include <grpcpp/support/method_handler.h>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/bearer_auth.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "replay/byte_buffer_cord.h"
#include "replay/stored_item.h"

namespace mimic::replay {
namespace {

// The method paths of `service ReplayService` in proto/replay.proto.
constexpr char kInsertMethod[] = "/mimic.ReplayService/Insert";
constexpr char kSampleMethod[] = "/mimic.ReplayService/Sample";
constexpr char kSampleFlowMethod[] = "/mimic.ReplayService/SampleFlow";
constexpr char kUpdatePrioritiesMethod[] = "/mimic.ReplayService/UpdatePriorities";
constexpr char kInfoMethod[] = "/mimic.ReplayService/Info";
constexpr char kCheckpointMethod[] = "/mimic.ReplayService/Checkpoint";

template <typename Request, typename Response>
grpc::internal::RpcServiceMethod* UnaryMethod(
    const char* name,
    std::function<grpc::Status(ReplayServiceImpl*, grpc::ServerContext*, const Request*, Response*)> call,
    ReplayServiceImpl* impl) {
  return new grpc::internal::RpcServiceMethod(
      name, grpc::internal::RpcMethod::NORMAL_RPC,
      new grpc::internal::RpcMethodHandler<ReplayServiceImpl, Request, Response, grpc::protobuf::MessageLite,
                                           grpc::protobuf::MessageLite>(std::move(call), impl));
}

}  // namespace

ReplayServiceImpl::ReplayServiceImpl(ReplayCore* core, int64_t max_message_bytes, std::string token)
    : core_(core), max_message_bytes_(max_message_bytes), token_(std::move(token)) {
  using grpc::internal::RpcMethod;
  using grpc::internal::RpcServiceMethod;
  AddMethod(new RpcServiceMethod(
      kInsertMethod, RpcMethod::BIDI_STREAMING,
      // items arrive as raw bytes (kept as they are); acknowledgements go out as messages
      new grpc::internal::BidiStreamingHandler<ReplayServiceImpl, grpc::ByteBuffer, InsertResponse>(
          [](ReplayServiceImpl* service, grpc::ServerContext* context,
             grpc::ServerReaderWriter<InsertResponse, grpc::ByteBuffer>* stream) {
            return service->Insert(context, stream);
          },
          this)));
  AddMethod(new RpcServiceMethod(
      kSampleMethod, RpcMethod::SERVER_STREAMING,
      new grpc::internal::ServerStreamingHandler<ReplayServiceImpl, grpc::ByteBuffer, grpc::ByteBuffer>(
          [](ReplayServiceImpl* service, grpc::ServerContext* context, const grpc::ByteBuffer* request,
             grpc::ServerWriter<grpc::ByteBuffer>* writer) { return service->Sample(context, request, writer); },
          this)));
  AddMethod(new RpcServiceMethod(
      kSampleFlowMethod, RpcMethod::BIDI_STREAMING,
      new grpc::internal::BidiStreamingHandler<ReplayServiceImpl, grpc::ByteBuffer, grpc::ByteBuffer>(
          [](ReplayServiceImpl* service, grpc::ServerContext* context,
             grpc::ServerReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>* stream) {
            return service->SampleFlow(context, stream);
          },
          this)));
  AddMethod(UnaryMethod<UpdatePrioritiesRequest, UpdatePrioritiesResponse>(
      kUpdatePrioritiesMethod, &ReplayServiceImpl::UpdatePriorities, this));
  AddMethod(UnaryMethod<InfoRequest, InfoResponse>(kInfoMethod, &ReplayServiceImpl::Info, this));
  AddMethod(UnaryMethod<CheckpointRequest, CheckpointResponse>(kCheckpointMethod, &ReplayServiceImpl::Checkpoint, this));
}

class ReplayServiceImpl::StreamScope {
 public:
  StreamScope(ReplayServiceImpl* service, grpc::ServerContext* context) : service_(service), context_(context) {
    absl::MutexLock lock(&service_->streams_mu_);
    if (service_->cancelling_) context_->TryCancel();
    service_->streams_.insert(context_);
  }
  ~StreamScope() {
    absl::MutexLock lock(&service_->streams_mu_);
    service_->streams_.erase(context_);
  }

 private:
  ReplayServiceImpl* service_;
  grpc::ServerContext* context_;
};

void ReplayServiceImpl::CancelOpenStreams() {
  absl::MutexLock lock(&streams_mu_);
  cancelling_ = true;
  for (grpc::ServerContext* context : streams_) context->TryCancel();
}

grpc::Status ReplayServiceImpl::Insert(grpc::ServerContext* context,
                                       grpc::ServerReaderWriter<InsertResponse, grpc::ByteBuffer>* stream) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  StreamScope scope(this, context);
  const Cancelled cancelled = [context] { return context->IsCancelled(); };
  // counts this stream's writer while it is open (tables sized per writer follow)
  std::string writer;
  auto count_writer = [&](const std::string& id) {
    if (!writer.empty() || id.empty()) return;
    writer = id;
    core_->WriterStreamOpened(writer);
  };
  absl::Cleanup uncount = [&] {
    if (!writer.empty()) core_->WriterStreamClosed(writer);
  };
  grpc::ByteBuffer message;
  int64_t received = 0;
  while (stream->Read(&message)) {
    ++received;
    absl::StatusOr<InsertMessage> request = [&]() -> absl::StatusOr<InsertMessage> {
      auto bytes = CordFromByteBuffer(message);
      if (!bytes.ok()) return bytes.status();
      return ParseInsertRequest(*bytes, core_->wire_limits());
    }();
    message.Clear();
    if (!request.ok()) {
      return ToGrpcStatus(absl::Status(request.status().code(), absl::StrCat("insert message ", received,
                                                                             " of this stream: ", request.status().message())));
    }
    count_writer(request->writer_id);
    // items go in one by one; a refused item ends the stream after the ones before it are acknowledged
    InsertResponse ack;
    absl::Status refused;
    for (size_t i = 0; i < request->items.size() && refused.ok(); ++i) {
      absl::StatusOr<InsertCall> call = ParseInsertItem(request->writer_id, request->items[i], core_->wire_limits());
      if (!call.ok()) {
        refused = absl::Status(call.status().code(), absl::StrCat("item ", i + 1, " of insert message ", received,
                                                                  " of this stream: ", call.status().message()));
        break;
      }
      auto result = core_->Insert(*call, DeadlineOf(*context), cancelled);
      if (!result.ok()) {
        refused = absl::Status(result.status().code(), absl::StrCat("insert of sequence ", call->sequence,
                                                                    " failed: ", result.status().message()));
        break;
      }
      ack.set_sequence(call->sequence);
      ack.add_keys(result->key);
    }
    const bool delivered = ack.keys_size() == 0 || stream->Write(ack);
    if (!refused.ok()) return ToGrpcStatus(refused);
    if (!delivered) break;  // the writer went away; what it sent is in the tables
  }
  return grpc::Status::OK;
}

absl::StatusOr<grpc::ByteBuffer> ReplayServiceImpl::NextBatch(grpc::ServerContext* context,
                                                              const SampleRequest& request) {
  const Cancelled cancelled = [context] { return context->IsCancelled(); };
  const int64_t limit = request.max_response_bytes() > 0 ? std::min(request.max_response_bytes(), max_message_bytes_)
                                                         : max_message_bytes_;
  // refused before anything is drawn when the batch could exceed the limit
  MIMIC_ASSIGN_OR_RETURN(std::vector<::mimic::replay::Sample> batch,
                         core_->SampleBatch(request.table(), request.batch_size(), DeadlineOf(*context), cancelled, limit));
  // the response is written as headers around the stored items' own bytes
  absl::Cord response;
  for (const ::mimic::replay::Sample& s : batch) {
    response.Append(SampledItemWireBytes(s.item.key, s.probability, s.table_size, s.item.times_sampled,
                                         s.item.priority, *s.item.item));
  }
  const int64_t bytes = static_cast<int64_t>(response.size());
  if (bytes > limit) {
    return absl::ResourceExhaustedError(absl::StrCat("a batch of ", request.batch_size(), " items is ", bytes,
                                                     " bytes, over the message limit of ", limit,
                                                     " bytes; ask for smaller batches or raise max_message_bytes"));
  }
  return ByteBufferFromCord(std::move(response));
}

grpc::Status ReplayServiceImpl::Sample(grpc::ServerContext* context, const grpc::ByteBuffer* request_bytes,
                                       grpc::ServerWriter<grpc::ByteBuffer>* writer) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  StreamScope scope(this, context);
  SampleRequest request;
  if (!ParseFromByteBuffer(*request_bytes, &request)) {
    return grpc::Status(grpc::INVALID_ARGUMENT, "malformed SampleRequest");
  }
  if (request.num_batches() < 0) return grpc::Status(grpc::INVALID_ARGUMENT, "num_batches must be >= 0");
  for (int b = 0; request.num_batches() == 0 || b < request.num_batches(); ++b) {
    absl::StatusOr<grpc::ByteBuffer> batch = NextBatch(context, request);
    if (!batch.ok()) return ToGrpcStatus(batch.status());
    if (!writer->Write(*batch)) return grpc::Status(grpc::CANCELLED, "the sampler went away");
  }
  return grpc::Status::OK;
}

grpc::Status ReplayServiceImpl::SampleFlow(grpc::ServerContext* context,
                                           grpc::ServerReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>* stream) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  StreamScope scope(this, context);
  // reads the next grant; false when the client has finished
  auto read_grant = [stream](SampleFlowRequest* grant) -> absl::StatusOr<bool> {
    grpc::ByteBuffer message;
    if (!stream->Read(&message)) return false;
    if (!ParseFromByteBuffer(message, grant)) return absl::InvalidArgumentError("malformed SampleFlowRequest");
    if (grant->credit() <= 0) return absl::InvalidArgumentError("a SampleFlowRequest must grant credit > 0");
    return true;
  };
  SampleFlowRequest first;
  absl::StatusOr<bool> got = read_grant(&first);
  if (!got.ok()) return ToGrpcStatus(got.status());
  if (!*got) return grpc::Status::OK;
  const SampleRequest& request = first.request();
  int64_t credit = first.credit();
  while (true) {
    while (credit == 0) {
      // the client grants more as it consumes; grants sent meanwhile are already waiting here
      SampleFlowRequest grant;
      got = read_grant(&grant);
      if (!got.ok()) return ToGrpcStatus(got.status());
      if (!*got) return grpc::Status::OK;
      credit += grant.credit();
    }
    absl::StatusOr<grpc::ByteBuffer> batch = NextBatch(context, request);
    if (!batch.ok()) return ToGrpcStatus(batch.status());
    if (!stream->Write(*batch)) return grpc::Status(grpc::CANCELLED, "the sampler went away");
    --credit;
  }
}

grpc::Status ReplayServiceImpl::UpdatePriorities(grpc::ServerContext* context, const UpdatePrioritiesRequest* request,
                                                 UpdatePrioritiesResponse* response) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  auto result = core_->UpdatePriorities(*request);
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *result;
  return grpc::Status::OK;
}

grpc::Status ReplayServiceImpl::Info(grpc::ServerContext* context, const InfoRequest*, InfoResponse* response) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  *response = core_->Info();
  return grpc::Status::OK;
}

grpc::Status ReplayServiceImpl::Checkpoint(grpc::ServerContext* context, const CheckpointRequest*,
                                           CheckpointResponse* response) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  auto result = core_->Checkpoint();
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *result;
  return grpc::Status::OK;
}

}  // namespace mimic::replay
