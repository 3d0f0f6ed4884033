#include "preprocess/preprocess_service.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/bearer_auth.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "preprocess/stac_job.h"

namespace mimic::preprocess {
namespace {

// The figure RunStacJob writes beside the clips: clips.h5 -> clips.stac.svg.
std::string FigureName(std::string out) {
  if (out.size() > 3 && out.compare(out.size() - 3, 3, ".h5") == 0) out.resize(out.size() - 3);
  return out + ".stac.svg";
}

absl::Status Named(const char* what, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
}

// The job's files through `files`: checked (at submit) or pinned (when it runs).
absl::StatusOr<StacJob> StacJobFiles(JobFiles& files, const std::string& default_config, const StacJobSpec& spec) {
  if (spec.instance() < 0) return absl::InvalidArgumentError("instance must be >= 0");
  StacJob job;
  auto keypoints = files.Input(spec.keypoints());
  if (!keypoints.ok()) return Named("keypoints", keypoints.status());
  auto config = files.Input(spec.config().empty() ? default_config : spec.config());
  if (!config.ok()) return Named("config", config.status());
  auto out = files.Output(spec.out());
  if (!out.ok()) return Named("out", out.status());
  // the figure derived from the output's name is an output too
  auto figure = files.Output(FigureName(spec.out()));
  if (!figure.ok()) return Named("out (its figure)", figure.status());
  job.keypoints = *keypoints;
  job.keypoints_name = spec.keypoints();
  job.config = *config;
  job.out = *out;
  job.instance = spec.instance();
  job.files = &files;
  return job;
}

}  // namespace

absl::StatusOr<JobFn> MakeStacJob(const PathGuard& guard, const std::string& default_config, const StacJobSpec& spec) {
  // every path is checked before anything is queued, and opened again (pinned) when the job runs
  MIMIC_RETURN_IF_ERROR(StacJobFiles(*guard.Checker(), default_config, spec).status());
  return JobFn([guard, default_config, spec](JobContext& context) -> absl::StatusOr<JobOutput> {
    MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<PinnedFiles> files, PinnedFiles::Create(guard));
    absl::StatusOr<StacJob> job = StacJobFiles(*files, default_config, spec);
    if (!job.ok()) return files->Describe(job.status());
    job->on_progress = [&context](const StacProgress& p) {
      context.SetProgress(p.stage, p.total > 0 ? static_cast<double>(p.done) / p.total : 0.0);
    };
    job->cancelled = [&context] { return context.cancelled(); };
    auto outcome = RunStacJob(*job);
    if (!outcome.ok()) return files->Describe(outcome.status());
    JobOutput output;
    output.outputs.push_back(spec.out());
    if (!outcome->figure.empty()) output.outputs.push_back(FigureName(spec.out()));
    output.summary = absl::StrCat("registered ", outcome->frames, " frames into ", outcome->clips, " clips; mean residual ",
                                  absl::StrFormat("%.2f", outcome->mean_residual_mm), " mm");
    output.result_json = outcome->json;
    return output;
  });
}

JobRestorer StacJobRestorer(const PathGuard* guard, std::string default_config) {
  return [guard, default_config](const std::string& kind, const std::string& spec) -> absl::StatusOr<JobFn> {
    SubmitStacRequest request;
    if (kind != "stac" || !request.ParseFromString(spec)) {
      return absl::InvalidArgumentError(absl::StrCat("not a stored STAC job (kind '", kind, "')"));
    }
    return MakeStacJob(*guard, default_config, request.spec());
  };
}

grpc::Status PreprocessServiceImpl::SubmitStac(grpc::ServerContext* context, const SubmitStacRequest* request,
                                               Operation* response) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  auto fn = MakeStacJob(guard_, default_config_, request->spec());
  if (!fn.ok()) return ToGrpcStatus(fn.status());
  auto op = runner_->Submit("stac", *std::move(fn), request->SerializeAsString());
  if (!op.ok()) return ToGrpcStatus(op.status());
  *response = *op;
  return grpc::Status::OK;
}

}  // namespace mimic::preprocess
