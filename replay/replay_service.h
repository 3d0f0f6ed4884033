// The gRPC edge of the replay service: translates requests to ReplayCore calls and absl::Status
// to grpc::Status. Protocol documented in proto/replay.proto.
//
// Insert and Sample carry the payload, so they take and give raw byte buffers: an inserted item
// keeps the bytes it arrived in (no parse, no copy) and a sample sends those same bytes back out.
// The wire format is the .proto's, so generated clients in any language talk to it unchanged. The
// three small calls use the generated message types.
#ifndef MIMIC_REPLAY_REPLAY_SERVICE_H_
#define MIMIC_REPLAY_REPLAY_SERVICE_H_

#include <grpcpp/impl/service_type.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/sync_stream.h>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "proto/replay.grpc.pb.h"
#include "replay/replay_core.h"

namespace mimic::replay {

class ReplayServiceImpl final : public grpc::Service {
 public:
  // `max_message_bytes` bounds each SampleResponse. With a non-empty `token`, every call must
  // carry it as a bearer token.
  ReplayServiceImpl(ReplayCore* core, int64_t max_message_bytes, std::string token = "");

  grpc::Status Insert(grpc::ServerContext* context, grpc::ServerReaderWriter<InsertResponse, grpc::ByteBuffer>* stream);
  grpc::Status Sample(grpc::ServerContext* context, const grpc::ByteBuffer* request,
                      grpc::ServerWriter<grpc::ByteBuffer>* writer);
  grpc::Status SampleFlow(grpc::ServerContext* context,
                          grpc::ServerReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>* stream);
  grpc::Status UpdatePriorities(grpc::ServerContext* context, const UpdatePrioritiesRequest* request,
                                UpdatePrioritiesResponse* response);
  grpc::Status Info(grpc::ServerContext* context, const InfoRequest* request, InfoResponse* response);
  grpc::Status Checkpoint(grpc::ServerContext* context, const CheckpointRequest* request,
                          CheckpointResponse* response);

  // Ends every open stream (idle writers included) so a server shutdown need not wait for them.
  void CancelOpenStreams();

 private:
  // Registers a streaming call for CancelOpenStreams while it runs.
  class StreamScope;
  // One batch as a SampleResponse written around the stored items' own bytes.
  absl::StatusOr<grpc::ByteBuffer> NextBatch(grpc::ServerContext* context, const SampleRequest& request);
  absl::Mutex streams_mu_;
  absl::flat_hash_set<grpc::ServerContext*> streams_ ABSL_GUARDED_BY(streams_mu_);
  bool cancelling_ ABSL_GUARDED_BY(streams_mu_) = false;

  ReplayCore* core_;
  int64_t max_message_bytes_;
  std::string token_;
};

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_REPLAY_SERVICE_H_
