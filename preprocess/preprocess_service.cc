#include "preprocess/preprocess_service.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/grpc_status.h"
#include "preprocess/stac_job.h"

namespace mimic::preprocess {

absl::StatusOr<JobFn> MakeStacJob(const PathGuard& guard, const std::string& default_config, const StacJobSpec& spec) {
  // every path is checked before anything is queued
  auto keypoints = guard.Resolve(spec.keypoints(), /*must_exist=*/true);
  if (!keypoints.ok()) return absl::Status(keypoints.status().code(), absl::StrCat("keypoints: ", keypoints.status().message()));
  auto config = guard.Resolve(spec.config().empty() ? default_config : spec.config(), /*must_exist=*/true);
  if (!config.ok()) return absl::Status(config.status().code(), absl::StrCat("config: ", config.status().message()));
  auto out = guard.Resolve(spec.out(), /*must_exist=*/false);
  if (!out.ok()) return absl::Status(out.status().code(), absl::StrCat("out: ", out.status().message()));
  if (spec.instance() < 0) return absl::InvalidArgumentError("instance must be >= 0");
  StacJob job;
  job.keypoints = *keypoints;
  job.config = *config;
  job.out = *out;
  job.instance = spec.instance();
  job.guard = &guard;
  const std::string out_name = spec.out();
  return JobFn([job, out_name](JobContext& context) mutable -> absl::StatusOr<JobOutput> {
    job.on_progress = [&context](const StacProgress& p) {
      context.SetProgress(p.stage, p.total > 0 ? static_cast<double>(p.done) / p.total : 0.0);
    };
    job.cancelled = [&context] { return context.cancelled(); };
    auto outcome = RunStacJob(job);
    if (!outcome.ok()) return outcome.status();
    JobOutput output;
    output.outputs.push_back(out_name);
    if (!outcome->figure.empty()) {
      std::string figure = out_name;
      if (figure.size() > 3 && figure.compare(figure.size() - 3, 3, ".h5") == 0) figure.resize(figure.size() - 3);
      output.outputs.push_back(figure + ".stac.svg");
    }
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

grpc::Status PreprocessServiceImpl::SubmitStac(grpc::ServerContext*, const SubmitStacRequest* request,
                                               Operation* response) {
  auto fn = MakeStacJob(guard_, default_config_, request->spec());
  if (!fn.ok()) return ToGrpcStatus(fn.status());
  auto op = runner_->Submit("stac", *std::move(fn), request->SerializeAsString());
  if (!op.ok()) return ToGrpcStatus(op.status());
  *response = *op;
  return grpc::Status::OK;
}

}  // namespace mimic::preprocess
