// The Operations gRPC service over a JobRunner (proto/jobs.proto), plus a Prometheus view of
// its jobs: mimic_<component>_jobs{state} and mimic_<component>_job_duration_seconds.
#ifndef MIMIC_COMMON_OPERATIONS_SERVICE_H_
#define MIMIC_COMMON_OPERATIONS_SERVICE_H_

#include <string>
#include <vector>

#include <prometheus/collectable.h>

#include "common/job_runner.h"
#include "proto/jobs.grpc.pb.h"

namespace mimic {

class OperationsServiceImpl final : public Operations::Service {
 public:
  // With a non-empty `token`, every call must carry it as a bearer token.
  explicit OperationsServiceImpl(JobRunner* runner, std::string token = "")
      : runner_(runner), token_(std::move(token)) {}
  grpc::Status GetOperation(grpc::ServerContext* context, const OperationRequest* request, Operation* response) override;
  grpc::Status WatchOperation(grpc::ServerContext* context, const OperationRequest* request,
                              grpc::ServerWriter<Operation>* writer) override;
  grpc::Status ListOperations(grpc::ServerContext* context, const ListOperationsRequest*,
                              ListOperationsResponse* response) override;
  grpc::Status CancelOperation(grpc::ServerContext* context, const OperationRequest* request, Operation* response) override;

 private:
  JobRunner* runner_;
  std::string token_;
};

class JobMetrics : public prometheus::Collectable {
 public:
  JobMetrics(const JobRunner* runner, std::string component) : runner_(runner), component_(std::move(component)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const JobRunner* runner_;
  std::string component_;
};

}  // namespace mimic

#endif  // MIMIC_COMMON_OPERATIONS_SERVICE_H_
