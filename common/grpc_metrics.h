// Per-method gRPC server metrics, recorded by a server interceptor: calls by method and status
// code, and call latency (first metadata in → status out) by method. Names follow the metrics
// contract: mimic_<component>_grpc_calls_total{method,code}, mimic_<component>_grpc_call_seconds{method}.
#ifndef MIMIC_COMMON_GRPC_METRICS_H_
#define MIMIC_COMMON_GRPC_METRICS_H_

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace mimic {

class GrpcMetrics {
 public:
  // `component`: replay, learner, preprocess, …
  explicit GrpcMetrics(const std::string& component);

  // Adds the interceptor to a server under construction.
  void Install(grpc::ServerBuilder& builder);
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  void Record(const std::string& method, grpc::StatusCode code, double seconds);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* calls_;
  prometheus::Family<prometheus::Histogram>* latency_;
};

// The name Prometheus labels carry for a status code (OK, CANCELLED, …).
const char* GrpcCodeName(grpc::StatusCode code);

}  // namespace mimic

#endif  // MIMIC_COMMON_GRPC_METRICS_H_
