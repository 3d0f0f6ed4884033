#include "analysis/analysis_service.h"

#include <cmath>
#include <filesystem>

#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "analysis/encoding_job.h"
#include "behaviour/map_job.h"
#include "analysis/rsa_job.h"
#include "analysis/variability_job.h"
#include "common/bearer_auth.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"

namespace mimic::analysis {
namespace {

// The figure the jobs write beside `out` (same rule as their replace_extension), as the client named it.
std::string FigureName(const std::string& out) {
  return std::filesystem::path(out).replace_extension(".svg").string();
}

// A job's named file through `files`: checked at submit, pinned when the job runs.
absl::StatusOr<std::string> ResolveNamed(JobFiles& files, const std::string& what, const std::string& path,
                                         bool must_exist) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": no path given"));
  auto resolved = must_exist ? files.Input(path) : files.Output(path);
  if (!resolved.ok()) return absl::Status(resolved.status().code(), absl::StrCat(what, ": ", resolved.status().message()));
  return resolved;
}

// The output and the figure the jobs derive from its name: both are outputs.
absl::StatusOr<std::string> ResolveOutput(JobFiles& files, const std::string& out) {
  MIMIC_ASSIGN_OR_RETURN(std::string resolved, ResolveNamed(files, "out", out, false));
  if (!out.empty()) MIMIC_RETURN_IF_ERROR(ResolveNamed(files, "out (its figure)", FigureName(out), false).status());
  return resolved;
}

// A label file: a CSV, or a behaviour map with an optional ":clusters" suffix (kept after resolving).
absl::StatusOr<std::string> ResolveLabels(JobFiles& files, const std::string& labels) {
  const bool clusters = labels.size() > 9 && labels.compare(labels.size() - 9, 9, ":clusters") == 0;
  MIMIC_ASSIGN_OR_RETURN(std::string path,
                         ResolveNamed(files, "labels", clusters ? labels.substr(0, labels.size() - 9) : labels, true));
  return clusters ? path + ":clusters" : path;
}

// A behaviour map's outputs: map.h5, its figure and its per-frame labels, all checked as outputs.
std::string MapLabelsName(const std::string& out) {
  return std::filesystem::path(out).replace_extension("").string() + "_labels.csv";
}

// Checks a job's files and options now (a check-only resolver over `guard`); the returned
// function resolves them again through PinnedFiles when it runs and calls `run` with the inputs.
template <typename Inputs>
absl::StatusOr<JobFn> Pinned(const PathGuard& guard,
                             std::function<absl::StatusOr<Inputs>(JobFiles& files)> inputs,
                             std::function<absl::StatusOr<JobOutput>(const Inputs&, JobContext&)> run) {
  MIMIC_RETURN_IF_ERROR(inputs(*guard.Checker()).status());
  return JobFn([guard, inputs, run](JobContext& context) -> absl::StatusOr<JobOutput> {
    MIMIC_ASSIGN_OR_RETURN(std::unique_ptr<PinnedFiles> files, PinnedFiles::Create(guard));
    absl::StatusOr<Inputs> pinned = inputs(*files);
    if (!pinned.ok()) return files->Describe(pinned.status());
    absl::StatusOr<JobOutput> output = run(*pinned, context);
    if (!output.ok()) return files->Describe(output.status());
    return output;
  });
}


// Every Submit*: token, then the job's checks, then the queue.
grpc::Status SubmitJob(JobRunner* runner, const std::string& kind, absl::StatusOr<JobFn> fn,
                       const google::protobuf::Message& request, Operation* response) {
  if (!fn.ok()) return ToGrpcStatus(fn.status());
  auto op = runner->Submit(kind, *std::move(fn), request.SerializeAsString());
  if (!op.ok()) return ToGrpcStatus(op.status());
  *response = *op;
  return grpc::Status::OK;
}

}  // namespace

namespace {

absl::StatusOr<EncodingJobInputs> EncodingInputs(JobFiles& guard, const AnalysisLimits& limits,
                                                 const EncodingJobSpec& spec) {
  EncodingJobInputs inputs;
  if (!spec.rollouts().empty()) {
    MIMIC_ASSIGN_OR_RETURN(inputs.rollouts, ResolveNamed(guard, "rollouts", spec.rollouts(), true));
  }
  if (!spec.clips().empty()) {
    MIMIC_ASSIGN_OR_RETURN(inputs.clips, ResolveNamed(guard, "clips", spec.clips(), true));
  }
  inputs.clip_options.smoothing_sigma_frames =
      spec.clip_smoothing_frames() == 0 ? 1.0 : std::max(0.0, spec.clip_smoothing_frames());
  inputs.clip_options.inverse_dynamics_contacts = spec.inverse_dynamics_contacts();
  MIMIC_RETURN_IF_ERROR(inputs.clip_options.Validate());
  inputs.classes.assign(spec.classes().begin(), spec.classes().end());
  for (const auto& [name, file] : spec.features()) {
    MIMIC_ASSIGN_OR_RETURN(inputs.features[name], ResolveNamed(guard, absl::StrCat("features '", name, "'"), file, true));
  }
  if (inputs.rollouts.empty() && inputs.clips.empty() && inputs.features.empty()) {
    return absl::InvalidArgumentError("give a rollouts file, a clips file or feature arrays");
  }
  if (!spec.spikes().empty()) {
    MIMIC_ASSIGN_OR_RETURN(inputs.spikes, ResolveNamed(guard, "spikes", spec.spikes(), true));
    // frame times: KIND:FILE[:/series], with FILE confined like every other path
    const std::string& ft = spec.frame_times();
    const size_t colon = ft.find(':');
    if (colon == std::string::npos) {
      return absl::InvalidArgumentError("frame_times: expected nwb:FILE:/series, csv:FILE, rollouts:FILE or clips:FILE");
    }
    const std::string kind = ft.substr(0, colon);
    std::string file = ft.substr(colon + 1), series;
    if (kind == "nwb") {
      const size_t at = file.rfind(":/");
      if (at == std::string::npos) return absl::InvalidArgumentError("frame_times: nwb:FILE:/series");
      series = file.substr(at);
      file = file.substr(0, at);
    }
    auto resolved = ResolveNamed(guard, "frame_times", file, true);
    if (!resolved.ok()) return resolved.status();
    inputs.frame_times = absl::StrCat(kind, ":", *resolved, series);
    inputs.drop_spikes_outside = spec.drop_spikes_outside();
    inputs.units_location = spec.units_location();
  } else {
    MIMIC_ASSIGN_OR_RETURN(inputs.counts, ResolveNamed(guard, "counts", spec.counts(), true));
  }
  MIMIC_ASSIGN_OR_RETURN(inputs.out, ResolveOutput(guard, spec.out()));
  if (spec.pca_fraction() < 0 || spec.pca_fraction() > 1) return absl::InvalidArgumentError("pca_fraction must be in [0, 1]");
  inputs.pca_fraction = spec.pca_fraction();
  // no lags given: the paper's -1000 ... +300 ms in 100 ms steps, at the rollouts' 20 ms frames
  const bool default_lags = spec.lag_min() == 0 && spec.lag_max() == 0 && spec.lag_step() == 0;
  const int lag_min = default_lags ? -50 : spec.lag_min(), lag_max = default_lags ? 15 : spec.lag_max();
  const int step = default_lags ? 5 : spec.lag_step() == 0 ? 1 : spec.lag_step();
  if (step < 0 || lag_max < lag_min) {
    return absl::InvalidArgumentError("lags: need lag_min <= lag_max and lag_step > 0");
  }
  inputs.options.lags.clear();
  for (int lag = lag_min; lag <= lag_max; lag += step) {
    inputs.options.lags.push_back(lag);
    if (static_cast<int>(inputs.options.lags.size()) > limits.max_lags) {
      return absl::ResourceExhaustedError(absl::StrCat("more than ", limits.max_lags, " lags"));
    }
  }
  inputs.options.folds = spec.folds() == 0 ? 10 : spec.folds();
  if (inputs.options.folds < 2 || inputs.options.folds > 100) return absl::InvalidArgumentError("folds must be in [2, 100]");
  if (spec.ridge() < 0 || !std::isfinite(spec.ridge())) return absl::InvalidArgumentError("ridge must be >= 0");
  inputs.options.select_ridge = spec.ridge() == 0;
  if (spec.ridge() > 0) inputs.options.glm.ridge = spec.ridge();
  if (spec.ridge_grid_size() > 0) {
    if (spec.ridge_grid_size() > 20) return absl::InvalidArgumentError("ridge_grid: at most 20 values");
    inputs.options.ridge_grid.assign(spec.ridge_grid().begin(), spec.ridge_grid().end());
    for (double r : inputs.options.ridge_grid) {
      if (!(r >= 0) || !std::isfinite(r)) return absl::InvalidArgumentError(absl::StrCat("ridge_grid value ", r));
    }
  }
  if (spec.inner_folds() != 0) inputs.options.inner_folds = spec.inner_folds();
  if (inputs.options.inner_folds < 2 || inputs.options.inner_folds > 20) {
    return absl::InvalidArgumentError("inner_folds must be in [2, 20]");
  }
  inputs.options.fdr = spec.fdr() == 0 ? 0.05 : spec.fdr();
  if (inputs.options.fdr <= 0 || inputs.options.fdr >= 1) return absl::InvalidArgumentError("fdr must be in (0, 1)");
  inputs.max_cells = limits.max_cells;
  return inputs;
}

}  // namespace

absl::StatusOr<JobFn> MakeEncodingJob(const PathGuard& guard, const AnalysisLimits& limits,
                                      const EncodingJobSpec& spec) {
  const std::string out_name = spec.out();
  return Pinned<EncodingJobInputs>(
      guard, [limits, spec](JobFiles& files) { return EncodingInputs(files, limits, spec); },
      [out_name](const EncodingJobInputs& inputs, JobContext& context) -> absl::StatusOr<JobOutput> {
    auto outcome = RunEncodingJob(
        inputs, [&context](const std::string& stage, double fraction) { context.SetProgress(stage, fraction); },
        [&context] { return context.cancelled(); });
    if (!outcome.ok()) return outcome.status();
    JobOutput output;
    output.outputs.push_back(out_name);
    output.outputs.push_back(FigureName(out_name));
    output.summary = absl::StrCat(outcome->neurons, " neurons x ", outcome->class_names.size(), " feature classes over ",
                                  outcome->bins, " bins; ", outcome->neurons - outcome->untuned,
                                  " significantly tuned");
    output.result_json = outcome->json;
    return output;
  });
}

namespace {

absl::StatusOr<VariabilityJobInputs> VariabilityInputs(JobFiles& guard, const AnalysisLimits& limits,
                                                       const VariabilityJobSpec& spec) {
  VariabilityJobInputs inputs;
  MIMIC_ASSIGN_OR_RETURN(inputs.rollouts, ResolveNamed(guard, "rollouts", spec.rollouts(), true));
  if (!spec.labels().empty()) {
    MIMIC_ASSIGN_OR_RETURN(inputs.labels, ResolveLabels(guard, spec.labels()));
  }
  MIMIC_ASSIGN_OR_RETURN(inputs.out, ResolveOutput(guard, spec.out()));
  if (spec.permutations() < 0 || spec.permutations() > limits.max_permutations) {
    return absl::InvalidArgumentError(absl::StrCat("permutations must be in [0, ", limits.max_permutations, "]"));
  }
  if (spec.permutations() > 0) inputs.options.permutations = spec.permutations();
  if (spec.folds() != 0) inputs.options.folds = spec.folds();
  if (inputs.options.folds < 2 || inputs.options.folds > 100) return absl::InvalidArgumentError("folds must be in [2, 100]");
  if (spec.min_frames() < 0) return absl::InvalidArgumentError("min_frames must be >= 0");
  if (spec.min_frames() > 0) inputs.options.min_frames = spec.min_frames();
  if (!spec.counts().empty()) {
    MIMIC_ASSIGN_OR_RETURN(inputs.counts, ResolveNamed(guard, "counts", spec.counts(), true));
  }
  if (spec.window_frames() != 0) inputs.neural.window_frames = spec.window_frames();
  if (spec.min_bouts() != 0) inputs.neural.min_bouts = spec.min_bouts();
  MIMIC_RETURN_IF_ERROR(inputs.neural.Validate());
  return inputs;
}

}  // namespace

absl::StatusOr<JobFn> MakeVariabilityJob(const PathGuard& guard, const AnalysisLimits& limits,
                                         const VariabilityJobSpec& spec) {
  const std::string out_name = spec.out();
  return Pinned<VariabilityJobInputs>(
      guard, [limits, spec](JobFiles& files) { return VariabilityInputs(files, limits, spec); },
      [out_name](const VariabilityJobInputs& inputs, JobContext& context) -> absl::StatusOr<JobOutput> {
    auto outcome = RunVariabilityJob(
        inputs, [&context](const std::string& stage, double fraction) { context.SetProgress(stage, fraction); });
    if (!outcome.ok()) return outcome.status();
    JobOutput output;
    output.outputs.push_back(out_name);
    output.outputs.push_back(FigureName(out_name));
    output.summary = absl::StrFormat("%d behaviours; latent variability decodes them at %.2f balanced accuracy "
                                     "(chance %.2f, p = %.3g)",
                                     static_cast<int>(outcome->result.behaviours.size()),
                                     outcome->result.latent.balanced_accuracy, outcome->result.latent.chance,
                                     outcome->result.latent.p_value);
    output.result_json = outcome->json;
    return output;
  });
}

namespace {

absl::StatusOr<RsaJobInputs> RsaInputs(JobFiles& guard, const RsaJobSpec& spec) {
  RsaJobInputs inputs;
  MIMIC_ASSIGN_OR_RETURN(inputs.rollouts, ResolveNamed(guard, "rollouts", spec.rollouts(), true));
  inputs.classes.assign(spec.classes().begin(), spec.classes().end());
  for (const auto& [field, value, target] :
       {std::tuple<const char*, const std::string&, std::string*>{"neural_rdms", spec.neural_rdms(), &inputs.neural_rdms},
        {"clips", spec.clips(), &inputs.clips}}) {
    if (value.empty()) continue;
    MIMIC_ASSIGN_OR_RETURN(*target, ResolveNamed(guard, field, value, true));
  }
  if (!spec.labels().empty()) {
    MIMIC_ASSIGN_OR_RETURN(inputs.labels, ResolveLabels(guard, spec.labels()));
  }
  MIMIC_ASSIGN_OR_RETURN(inputs.out, ResolveOutput(guard, spec.out()));
  if (spec.min_frames() < 0) return absl::InvalidArgumentError("min_frames must be >= 0");
  if (spec.min_frames() > 0) inputs.min_frames = spec.min_frames();
  if (!spec.metric().empty()) inputs.metric = spec.metric();
  if (inputs.metric != "correlation" && inputs.metric != "euclidean" && inputs.metric != "crossnobis") {
    return absl::InvalidArgumentError(absl::StrCat("metric '", inputs.metric, "': correlation, euclidean or crossnobis"));
  }
  if (spec.folds() != 0) inputs.folds = spec.folds();
  if (inputs.folds < 2 || inputs.folds > 20) return absl::InvalidArgumentError("folds must be in [2, 20]");
  return inputs;
}

}  // namespace

absl::StatusOr<JobFn> MakeRsaJob(const PathGuard& guard, const RsaJobSpec& spec) {
  const std::string out_name = spec.out();
  return Pinned<RsaJobInputs>(
      guard, [spec](JobFiles& files) { return RsaInputs(files, spec); },
      [out_name](const RsaJobInputs& inputs, JobContext& context) -> absl::StatusOr<JobOutput> {
    auto outcome =
        RunRsaJob(inputs, [&context](const std::string& stage, double fraction) { context.SetProgress(stage, fraction); });
    if (!outcome.ok()) return outcome.status();
    JobOutput output;
    output.outputs.push_back(out_name);
    output.outputs.push_back(FigureName(out_name));
    output.summary = absl::StrCat(outcome->classes.size(), " RDMs over ", outcome->behaviours.size(), " behaviours",
                                  outcome->compared ? absl::StrCat(", compared with ", outcome->subjects.size(),
                                                                   " neural RDMs")
                                                    : "");
    output.result_json = outcome->json;
    return output;
  });
}

namespace {

absl::StatusOr<behaviour::MapJobInputs> BehaviourMapInputs(JobFiles& files, const AnalysisLimits& limits,
                                                           const BehaviourMapJobSpec& spec) {
  behaviour::MapJobInputs inputs;
  MIMIC_ASSIGN_OR_RETURN(inputs.clips, ResolveNamed(files, "clips", spec.clips(), true));
  MIMIC_ASSIGN_OR_RETURN(inputs.out, ResolveOutput(files, spec.out()));
  MIMIC_RETURN_IF_ERROR(ResolveNamed(files, "out (its labels)", MapLabelsName(spec.out()), false).status());
  behaviour::BehaviourMapOptions& o = inputs.options;
  if (spec.training_frames() < 0 || spec.training_frames() > limits.max_map_training_frames) {
    return absl::InvalidArgumentError(absl::StrCat("training_frames must be in [0, ", limits.max_map_training_frames, "]"));
  }
  if (spec.training_frames() > 0) o.training_frames = spec.training_frames();
  if (spec.perplexity() != 0) o.tsne.perplexity = spec.perplexity();
  if (spec.iterations() != 0) o.tsne.iterations = spec.iterations();
  if (spec.frequencies() != 0) o.wavelet.frequencies = spec.frequencies();
  if (spec.min_frequency() != 0) o.wavelet.min_frequency = spec.min_frequency();
  if (spec.components() != 0) o.components = spec.components();
  if (spec.bandwidth() != 0) o.bandwidth = spec.bandwidth();
  if (spec.min_peak() != 0) o.min_peak = spec.min_peak();
  if (spec.seed() != 0) o.tsne.seed = spec.seed();
  // the frame rate is the clips' (checked again when they are read); bound the frequency range now
  MIMIC_RETURN_IF_ERROR(o.Validate(2 * std::max(o.wavelet.min_frequency, 1.0) + 1e6));
  return inputs;
}

}  // namespace

absl::StatusOr<JobFn> MakeBehaviourMapJob(const PathGuard& guard, const AnalysisLimits& limits,
                                          const BehaviourMapJobSpec& spec) {
  const std::string out_name = spec.out();
  return Pinned<behaviour::MapJobInputs>(
      guard, [limits, spec](JobFiles& files) { return BehaviourMapInputs(files, limits, spec); },
      [out_name](const behaviour::MapJobInputs& inputs, JobContext& context) -> absl::StatusOr<JobOutput> {
    auto outcome = behaviour::RunBehaviourMapJob(inputs, [&context](const std::string& stage, int64_t done, int64_t total) {
      context.SetProgress(stage, total > 0 ? static_cast<double>(done) / total : 0);
      return !context.cancelled();
    });
    if (!outcome.ok()) return outcome.status();
    JobOutput output;
    output.outputs = {out_name, FigureName(out_name), MapLabelsName(out_name)};
    output.summary = absl::StrCat(outcome->frames, " frames of ", outcome->clips, " clips in ", outcome->clusters,
                                  " clusters, ", outcome->behaviours.size(), " coarse behaviours");
    output.result_json = outcome->json;
    return output;
  });
}

JobRestorer AnalysisJobRestorer(const PathGuard* guard, AnalysisLimits limits) {
  return [guard, limits](const std::string& kind, const std::string& spec) -> absl::StatusOr<JobFn> {
    if (kind == "encoding") {
      SubmitEncodingRequest request;
      if (request.ParseFromString(spec)) return MakeEncodingJob(*guard, limits, request.spec());
    } else if (kind == "variability") {
      SubmitVariabilityRequest request;
      if (request.ParseFromString(spec)) return MakeVariabilityJob(*guard, limits, request.spec());
    } else if (kind == "rsa") {
      SubmitRsaRequest request;
      if (request.ParseFromString(spec)) return MakeRsaJob(*guard, request.spec());
    } else if (kind == "behaviour_map") {
      SubmitBehaviourMapRequest request;
      if (request.ParseFromString(spec)) return MakeBehaviourMapJob(*guard, limits, request.spec());
    }
    return absl::InvalidArgumentError(absl::StrCat("not a stored analysis job (kind '", kind, "')"));
  };
}

grpc::Status AnalysisServiceImpl::SubmitVariability(grpc::ServerContext* context,
                                                    const SubmitVariabilityRequest* request, Operation* response) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  return SubmitJob(runner_, "variability", MakeVariabilityJob(guard_, limits_, request->spec()), *request, response);
}

grpc::Status AnalysisServiceImpl::SubmitEncoding(grpc::ServerContext* context, const SubmitEncodingRequest* request,
                                                 Operation* response) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  return SubmitJob(runner_, "encoding", MakeEncodingJob(guard_, limits_, request->spec()), *request, response);
}

}  // namespace mimic::analysis

namespace mimic::analysis {

grpc::Status AnalysisServiceImpl::SubmitBehaviourMap(grpc::ServerContext* context,
                                                     const SubmitBehaviourMapRequest* request, Operation* response) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  return SubmitJob(runner_, "behaviour_map", MakeBehaviourMapJob(guard_, limits_, request->spec()), *request, response);
}

grpc::Status AnalysisServiceImpl::SubmitRsa(grpc::ServerContext* context, const SubmitRsaRequest* request,
                                            Operation* response) {
  if (grpc::Status auth = CheckBearer(context, token_); !auth.ok()) return auth;
  return SubmitJob(runner_, "rsa", MakeRsaJob(guard_, request->spec()), *request, response);
}

}  // namespace mimic::analysis
