// Serves the newest published policy parameters to actors: GetParameters answers with a snapshot
// only when it is newer than the caller's version, so an actor polling often costs almost nothing.
#ifndef MIMIC_LEARNER_PARAMETER_SERVER_H_
#define MIMIC_LEARNER_PARAMETER_SERVER_H_

#include <atomic>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/grpc_security.h"
#include "proto/parameters.grpc.pb.h"

namespace mimic {

class ParameterServer final : public ParameterService::Service {
 public:
  // With a non-empty `token`, every call must carry it as a bearer token.
  explicit ParameterServer(std::string token = "") : token_(std::move(token)) {}
  // Replaces the served snapshot; versions must increase (older ones are ignored).
  void Publish(int64_t version, TensorMap tensors);
  int64_t version() const;
  int64_t requests() const { return requests_.load(); }
  int64_t snapshots_sent() const { return sent_.load(); }

  grpc::Status GetParameters(grpc::ServerContext* context, const ParametersRequest* request,
                             Parameters* response) override;

 private:
  mutable absl::Mutex mu_;
  int64_t version_ ABSL_GUARDED_BY(mu_) = -1;
  std::shared_ptr<const TensorMap> tensors_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> requests_{0}, sent_{0};
  const std::string token_;
};

// Client side: fetches parameters newer than the ones it holds. Reconnects on every call after a
// failure, so a restarted learner is found again.
class ParameterClient {
 public:
  explicit ParameterClient(std::string address, ClientSecurity security = {})
      : address_(std::move(address)), security_(std::move(security)) {}
  // The newer snapshot, or nullopt-like: `updated` false when nothing is newer. Errors are
  // UNAVAILABLE / DEADLINE_EXCEEDED when the learner cannot be reached.
  absl::StatusOr<Parameters> FetchNewerThan(int64_t version, absl::Duration timeout);

 private:
  std::string address_;
  ClientSecurity security_;
  std::unique_ptr<ParameterService::Stub> stub_;
};

}  // namespace mimic

#endif  // MIMIC_LEARNER_PARAMETER_SERVER_H_
