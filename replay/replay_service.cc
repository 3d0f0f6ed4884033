#include "replay/replay_service.h"

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"

namespace mimic::replay {

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
                                       grpc::ServerReaderWriter<InsertResponse, InsertRequest>* stream) {
  StreamScope scope(this, context);
  const Cancelled cancelled = [context] { return context->IsCancelled(); };
  InsertRequest request;
  while (stream->Read(&request)) {
    auto result = core_->Insert(request, DeadlineOf(*context), cancelled);
    if (!result.ok()) {
      return ToGrpcStatus(absl::Status(result.status().code(),
                                       absl::StrCat("insert of sequence ", request.sequence(), " failed: ",
                                                    result.status().message())));
    }
    InsertResponse ack;
    ack.set_sequence(request.sequence());
    ack.set_key(result->key);
    if (!stream->Write(ack)) break;  // the writer went away; what it sent is in the tables
  }
  return grpc::Status::OK;
}

grpc::Status ReplayServiceImpl::Sample(grpc::ServerContext* context, const SampleRequest* request,
                                       grpc::ServerWriter<SampleResponse>* writer) {
  StreamScope scope(this, context);
  const Cancelled cancelled = [context] { return context->IsCancelled(); };
  if (request->num_batches() < 0) return grpc::Status(grpc::INVALID_ARGUMENT, "num_batches must be >= 0");
  const int64_t limit = request->max_response_bytes() > 0 ? std::min(request->max_response_bytes(), max_message_bytes_)
                                                          : max_message_bytes_;
  for (int b = 0; request->num_batches() == 0 || b < request->num_batches(); ++b) {
    auto batch = core_->SampleBatch(request->table(), request->batch_size(), DeadlineOf(*context), cancelled);
    if (!batch.ok()) return ToGrpcStatus(batch.status());
    SampleResponse response;
    for (::mimic::replay::Sample& s : *batch) {
      SampledItem* out = response.add_items();
      out->set_key(s.item.key);
      out->set_probability(s.probability);
      out->set_table_size(s.table_size);
      out->set_times_sampled(s.item.times_sampled);
      out->set_priority(s.item.priority);
      *out->mutable_item() = *s.item.item;
    }
    const int64_t bytes = static_cast<int64_t>(response.ByteSizeLong());
    if (bytes > limit) {
      return grpc::Status(grpc::RESOURCE_EXHAUSTED,
                          absl::StrCat("a batch of ", request->batch_size(), " items is ", bytes,
                                       " bytes, over the message limit of ", limit,
                                       " bytes; ask for smaller batches or raise max_message_bytes"));
    }
    if (!writer->Write(response)) return grpc::Status(grpc::CANCELLED, "the sampler went away");
  }
  return grpc::Status::OK;
}

grpc::Status ReplayServiceImpl::UpdatePriorities(grpc::ServerContext*, const UpdatePrioritiesRequest* request,
                                                 UpdatePrioritiesResponse* response) {
  auto result = core_->UpdatePriorities(*request);
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *result;
  return grpc::Status::OK;
}

grpc::Status ReplayServiceImpl::Info(grpc::ServerContext*, const InfoRequest*, InfoResponse* response) {
  *response = core_->Info();
  return grpc::Status::OK;
}

grpc::Status ReplayServiceImpl::Checkpoint(grpc::ServerContext*, const CheckpointRequest*,
                                           CheckpointResponse* response) {
  auto result = core_->Checkpoint();
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *result;
  return grpc::Status::OK;
}

}  // namespace mimic::replay
