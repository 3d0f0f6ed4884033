#include "common/grpc_polling.h"

#include <cstdlib>

namespace mimic {

std::string RequestedGrpcPollingEngine() {
  const char* value = std::getenv("GRPC_POLL_STRATEGY");
  return value == nullptr ? "" : value;
}

std::string GrpcPollingEngineName() {
  const std::string requested = RequestedGrpcPollingEngine();
  return requested.empty() ? "default" : requested;
}

std::string ChooseGrpcPollingEngine() {
  if (RequestedGrpcPollingEngine().empty()) setenv("GRPC_POLL_STRATEGY", kPreferredGrpcPollingEngine, 1);
  return RequestedGrpcPollingEngine();
}

}  // namespace mimic
