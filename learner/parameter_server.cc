#include "learner/parameter_server.h"

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "common/bearer_auth.h"
#include "common/grpc_status.h"

namespace mimic {

void ParameterServer::Publish(int64_t version, TensorMap tensors) {
  auto snapshot = std::make_shared<const TensorMap>(std::move(tensors));
  absl::MutexLock lock(&mu_);
  if (version <= version_) return;
  version_ = version;
  tensors_ = std::move(snapshot);
}

int64_t ParameterServer::version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

grpc::Status ParameterServer::GetParameters(grpc::ServerContext* context, const ParametersRequest* request,
                                            Parameters* response) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  requests_.fetch_add(1);
  std::shared_ptr<const TensorMap> tensors;
  int64_t version;
  {
    absl::MutexLock lock(&mu_);
    version = version_;
    tensors = tensors_;
  }
  if (!tensors) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "no parameters published yet");
  response->set_version(version);
  if (version <= request->newer_than_version()) return grpc::Status::OK;
  response->set_updated(true);
  *response->mutable_tensors() = *tensors;  // copied outside the lock
  sent_.fetch_add(1);
  return grpc::Status::OK;
}

absl::StatusOr<Parameters> ParameterClient::FetchNewerThan(int64_t version, absl::Duration timeout) {
  if (!stub_) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    stub_ = ParameterService::NewStub(SecureChannel(address_, security_, args));
  }
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  ParametersRequest request;
  request.set_newer_than_version(version);
  Parameters response;
  const grpc::Status status = stub_->GetParameters(&context, request, &response);
  if (!status.ok()) {
    stub_.reset();
    return FromGrpcStatus(status);
  }
  return response;
}

}  // namespace mimic
