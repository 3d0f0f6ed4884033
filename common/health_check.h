// Asks a server's grpc.health.v1 service whether it is serving.
#ifndef MIMIC_COMMON_HEALTH_CHECK_H_
#define MIMIC_COMMON_HEALTH_CHECK_H_

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/grpc_status.h"
#include "proto/health.grpc.pb.h"

namespace mimic {

// True when the server reports SERVING for `service` ("" = the whole server).
inline absl::StatusOr<bool> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                        const std::string& service = "",
                                        absl::Duration timeout = absl::Seconds(5)) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

}  // namespace mimic

#endif  // MIMIC_COMMON_HEALTH_CHECK_H_
