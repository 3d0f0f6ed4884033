// The gRPC analysis service: SubmitEncoding checks the job's paths against the data root (traversal
// and symlink escapes refused) and its options, then queues it on a JobRunner; progress, results
// and cancellation go through the Operations service. A bearer token, when configured, is checked
// on every call.
#ifndef MIMIC_ANALYSIS_ANALYSIS_SERVICE_H_
#define MIMIC_ANALYSIS_ANALYSIS_SERVICE_H_

#include <string>

#include "common/job_runner.h"
#include "common/path_guard.h"
#include "proto/jobs.grpc.pb.h"

namespace mimic::analysis {

struct AnalysisLimits {
  int64_t max_cells = 200'000'000;  // values across a job's arrays (features + counts)
  int max_lags = 200;
  int max_permutations = 10000;
  int max_map_training_frames = 50000;  // t-SNE is O(N log N) per iteration: bound a job's CPU
};

// Checks an encoding job's paths and options and builds the job's function.
absl::StatusOr<JobFn> MakeEncodingJob(const PathGuard& guard, const AnalysisLimits& limits,
                                      const EncodingJobSpec& spec);

// Checks a variability job's paths and options and builds the job's function.
absl::StatusOr<JobFn> MakeVariabilityJob(const PathGuard& guard, const AnalysisLimits& limits,
                                         const VariabilityJobSpec& spec);

absl::StatusOr<JobFn> MakeRsaJob(const PathGuard& guard, const RsaJobSpec& spec);

// Checks a behaviour-map job's paths and options and builds the job's function.
absl::StatusOr<JobFn> MakeBehaviourMapJob(const PathGuard& guard, const AnalysisLimits& limits,
                                          const BehaviourMapJobSpec& spec);

// Rebuilds stored "encoding", "variability", "rsa" and "behaviour_map" jobs (spec = a serialized SubmitEncodingRequest) after a restart.
JobRestorer AnalysisJobRestorer(const PathGuard* guard, AnalysisLimits limits);

class AnalysisServiceImpl final : public AnalysisService::Service {
 public:
  AnalysisServiceImpl(JobRunner* runner, PathGuard guard, AnalysisLimits limits, std::string token = "")
      : runner_(runner), guard_(std::move(guard)), limits_(limits), token_(std::move(token)) {}

  grpc::Status SubmitEncoding(grpc::ServerContext* context, const SubmitEncodingRequest* request,
                              Operation* response) override;
  grpc::Status SubmitVariability(grpc::ServerContext* context, const SubmitVariabilityRequest* request,
                                 Operation* response) override;
  grpc::Status SubmitRsa(grpc::ServerContext* context, const SubmitRsaRequest* request, Operation* response) override;
  grpc::Status SubmitBehaviourMap(grpc::ServerContext* context, const SubmitBehaviourMapRequest* request,
                                  Operation* response) override;

 private:
  JobRunner* runner_;
  PathGuard guard_;
  AnalysisLimits limits_;
  std::string token_;
};

}  // namespace mimic::analysis

#endif  // MIMIC_ANALYSIS_ANALYSIS_SERVICE_H_
