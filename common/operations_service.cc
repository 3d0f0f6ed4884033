#include "common/operations_service.h"

#include <map>

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include "common/bearer_auth.h"
#include "common/grpc_status.h"

namespace mimic {

grpc::Status OperationsServiceImpl::GetOperation(grpc::ServerContext* context, const OperationRequest* request,
                                                 Operation* response) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  auto op = runner_->Get(request->id());
  if (!op.ok()) return ToGrpcStatus(op.status());
  *response = *op;
  return grpc::Status::OK;
}

grpc::Status OperationsServiceImpl::WatchOperation(grpc::ServerContext* context, const OperationRequest* request,
                                                   grpc::ServerWriter<Operation>* writer) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  auto op = runner_->Get(request->id());
  if (!op.ok()) return ToGrpcStatus(op.status());
  while (true) {
    if (!writer->Write(*op)) return grpc::Status::OK;  // the watcher left
    if (IsFinished(op->state())) return grpc::Status::OK;
    const int64_t seen = op->version();
    // wake at least every 200 ms to notice a departed client or a server shutdown
    do {
      if (context->IsCancelled()) return grpc::Status(grpc::CANCELLED, "watch cancelled");
      op = runner_->WaitForChange(request->id(), seen, absl::Now() + absl::Milliseconds(200));
      if (!op.ok()) return ToGrpcStatus(op.status());
    } while (op->version() == seen && !IsFinished(op->state()));
  }
}

grpc::Status OperationsServiceImpl::ListOperations(grpc::ServerContext* context, const ListOperationsRequest*,
                                                   ListOperationsResponse* response) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  for (const Operation& op : runner_->List()) *response->add_operations() = op;
  return grpc::Status::OK;
}

grpc::Status OperationsServiceImpl::CancelOperation(grpc::ServerContext* context, const OperationRequest* request,
                                                    Operation* response) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  auto op = runner_->Cancel(request->id());
  if (!op.ok()) return ToGrpcStatus(op.status());
  *response = *op;
  return grpc::Status::OK;
}

std::vector<prometheus::MetricFamily> JobMetrics::Collect() const {
  using prometheus::ClientMetric;
  using prometheus::MetricFamily;
  using prometheus::MetricType;
  std::map<JobState, int> counts;
  for (JobState s : {QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED}) counts[s] = 0;
  for (const Operation& op : runner_->List()) counts[op.state()]++;
  MetricFamily jobs{"mimic_" + component_ + "_jobs", "Jobs by state", MetricType::Gauge, {}};
  for (const auto& [state, n] : counts) {
    ClientMetric m;
    std::string name = JobState_Name(state);
    for (char& c : name) c = static_cast<char>(std::tolower(c));
    m.label.push_back({"state", name});
    m.gauge.value = n;
    jobs.metric.push_back(m);
  }
  MetricFamily duration{"mimic_" + component_ + "_job_duration_seconds", "Run time of finished jobs",
                        MetricType::Histogram, {}};
  ClientMetric h;
  const double bounds[] = {1, 5, 15, 60, 300, 1800, 7200};
  std::vector<uint64_t> cumulative(std::size(bounds), 0);
  for (const auto& [state, seconds] : runner_->Durations()) {
    h.histogram.sample_count++;
    h.histogram.sample_sum += seconds;
    for (size_t i = 0; i < std::size(bounds); ++i) cumulative[i] += seconds <= bounds[i] ? 1 : 0;
  }
  for (size_t i = 0; i < std::size(bounds); ++i) h.histogram.bucket.push_back({cumulative[i], bounds[i]});
  h.histogram.bucket.push_back({h.histogram.sample_count, std::numeric_limits<double>::infinity()});
  duration.metric.push_back(h);
  return {jobs, duration};
}

}  // namespace mimic
