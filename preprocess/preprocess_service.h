// The gRPC preprocessing service: SubmitStac checks the job's paths against the data root and
// queues it on a JobRunner; progress and results go through the Operations service. When the job
// runs, its files are opened again beneath the root and used only through those descriptors
// (common/path_guard PinnedFiles). A bearer token, when configured, is checked on every call.
#ifndef MIMIC_PREPROCESS_PREPROCESS_SERVICE_H_
#define MIMIC_PREPROCESS_PREPROCESS_SERVICE_H_

#include "common/job_runner.h"
#include "common/path_guard.h"
#include "proto/jobs.grpc.pb.h"

namespace mimic::preprocess {

// Checks a STAC job's paths against the data root and builds the job's function.
absl::StatusOr<JobFn> MakeStacJob(const PathGuard& guard, const std::string& default_config, const StacJobSpec& spec);

// Rebuilds stored "stac" jobs (spec = a serialized SubmitStacRequest) after a restart.
JobRestorer StacJobRestorer(const PathGuard* guard, std::string default_config = "configs/stac_rodent.pbtxt");

class PreprocessServiceImpl final : public PreprocessService::Service {
 public:
  // `default_config` is used when a job names none (relative to the data root).
  PreprocessServiceImpl(JobRunner* runner, PathGuard guard, std::string default_config = "configs/stac_rodent.pbtxt",
                        std::string token = "")
      : runner_(runner), guard_(std::move(guard)), default_config_(std::move(default_config)), token_(std::move(token)) {}

  grpc::Status SubmitStac(grpc::ServerContext* context, const SubmitStacRequest* request, Operation* response) override;

 private:
  JobRunner* runner_;
  PathGuard guard_;
  std::string default_config_;
  std::string token_;
};

}  // namespace mimic::preprocess

#endif  // MIMIC_PREPROCESS_PREPROCESS_SERVICE_H_
