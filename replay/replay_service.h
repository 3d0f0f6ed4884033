// The gRPC edge of the replay service: translates requests to ReplayCore calls and absl::Status
// to grpc::Status. Protocol documented in proto/replay.proto.
#ifndef MIMIC_REPLAY_REPLAY_SERVICE_H_
#define MIMIC_REPLAY_REPLAY_SERVICE_H_

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "proto/replay.grpc.pb.h"
#include "replay/replay_core.h"

namespace mimic::replay {

class ReplayServiceImpl final : public ReplayService::Service {
 public:
  // `max_message_bytes` bounds each SampleResponse.
  ReplayServiceImpl(ReplayCore* core, int64_t max_message_bytes) : core_(core), max_message_bytes_(max_message_bytes) {}

  grpc::Status Insert(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<InsertResponse, InsertRequest>* stream) override;
  grpc::Status Sample(grpc::ServerContext* context, const SampleRequest* request,
                      grpc::ServerWriter<SampleResponse>* writer) override;
  grpc::Status UpdatePriorities(grpc::ServerContext* context, const UpdatePrioritiesRequest* request,
                                UpdatePrioritiesResponse* response) override;
  grpc::Status Info(grpc::ServerContext* context, const InfoRequest* request, InfoResponse* response) override;
  grpc::Status Checkpoint(grpc::ServerContext* context, const CheckpointRequest* request,
                          CheckpointResponse* response) override;

  // Ends every open stream (idle writers included) so a server shutdown need not wait for them.
  void CancelOpenStreams();

 private:
  // Registers a streaming call for CancelOpenStreams while it runs.
  class StreamScope;
  absl::Mutex streams_mu_;
  absl::flat_hash_set<grpc::ServerContext*> streams_ ABSL_GUARDED_BY(streams_mu_);
  bool cancelling_ ABSL_GUARDED_BY(streams_mu_) = false;

  ReplayCore* core_;
  int64_t max_message_bytes_;
};

}  // namespace mimic::replay

#endif  // MIMIC_REPLAY_REPLAY_SERVICE_H_
