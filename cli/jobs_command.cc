// `mimic jobs`: the client of MIMIC's job services — submit a STAC or an encoding-analysis job,
// then get, watch (with a progress line), list or cancel operations. --token_file (or MIMIC_TOKEN)
// adds a bearer token to every call; --tls_ca PEM (or --ca) switches to TLS with that root
// certificate, and --tls_client_cert/--tls_client_key present a client certificate.
#include <cstdio>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "cli/security_flags.h"
#include "common/args.h"
#include "absl/strings/str_split.h"
#include "common/bearer_auth.h"
#include "common/grpc_status.h"
#include "proto/jobs.grpc.pb.h"

namespace mimic::cli {
namespace {

std::string StateName(JobState s) {
  std::string name = JobState_Name(s);
  for (char& c : name) c = static_cast<char>(std::tolower(c));
  return name;
}

void PrintOperation(const Operation& op) {
  std::printf("%s  %-9s %-24s %5.1f%%  %s\n", op.id().c_str(), StateName(op.state()).c_str(), op.stage().c_str(),
              100 * op.progress(), op.message().c_str());
  for (const auto& o : op.outputs()) std::printf("    output: %s\n", o.c_str());
}

// Follows an operation to its end, redrawing one progress line; exit code 0 only on success.
int Watch(Operations::Stub& stub, const std::string& id) {
  grpc::ClientContext context;
  OperationRequest request;
  request.set_id(id);
  auto reader = stub.WatchOperation(&context, request);
  Operation op;
  const int64_t start = absl::ToUnixMillis(absl::Now());
  bool got = false;
  while (reader->Read(&op)) {
    got = true;
    const double elapsed = (absl::ToUnixMillis(absl::Now()) - start) / 1000.0;
    const double eta = op.progress() > 0.01 ? elapsed * (1 - op.progress()) / op.progress() : 0;
    std::fprintf(stderr, "%s: %s %s %.0f%% (%.1f s, stage ETA %.1f s)\n", id.c_str(), StateName(op.state()).c_str(),
                 op.stage().c_str(), 100 * op.progress(), elapsed, eta);
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) return Fail("jobs watch", FromGrpcStatus(status));
  if (!got) return Fail("jobs watch", absl::InternalError("no update received"));
  PrintOperation(op);
  if (!op.result_json().empty()) std::printf("%s\n", op.result_json().c_str());
  return op.state() == SUCCEEDED ? 0 : 1;
}

// A channel whose every call carries the token, over TLS when a CA is given.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(const Args& args) {
  SecurityFiles files = SecurityFilesFrom(args);
  if (files.tls_ca.empty()) files.tls_ca = args.String("ca");  // the older name of --tls_ca
  auto security = LoadClientSecurity(files);
  if (!security.ok()) return security.status();
  return SecureChannel(args.String("server"), *security);
}

// Every jobs subcommand's spec: the connection flags, then its own.
CommandSpec JobsSpec(const std::string& verb, const std::string& summary, std::vector<FlagSpec> own,
                     const std::string& example, bool submits) {
  std::vector<FlagSpec> flags = WithSecurityFlags(
      {
          {"server", FlagType::kString, "", "HOST:PORT", "the job service", true},
          {"ca", FlagType::kString, "", "PEM", "the same as --tls_ca"},
      },
      /*server=*/false, /*client=*/true);
  if (submits) flags.push_back({"wait", FlagType::kBool, "", "", "follow the job to its end with a progress line"});
  flags.insert(flags.end(), own.begin(), own.end());
  return CommandSpec{"jobs " + verb, summary, flags, {example}};
}

const std::vector<CommandSpec>& AllJobsSpecs() {
  using F = std::vector<FlagSpec>;
  static const auto* specs = new std::vector<CommandSpec>{
      JobsSpec("stac", "submit a STAC registration to a preprocessing service",
               F{{"keypoints", FlagType::kString, "", "FILE", "the recording (under the service's data root)", true},
                 {"out", FlagType::kString, "", "FILE", "the clips file to write (under the data root)", true},
                 {"config", FlagType::kString, "", "FILE", "the StacConfig (default: the service's)"},
                 {"instance", FlagType::kInt, "0", "index", "which animal in a multi-animal file"}},
               "./mimic jobs stac --server 127.0.0.1:9200 --token_file runs/demo/analysis.token --keypoints data/mocap/rodent_mocap_1000_frames.mat --out runs/c.h5 --wait",
               true),
      JobsSpec("encoding", "submit an encoding analysis (Poisson GLMs per neuron and feature class) to an analysis service",
               F{{"out", FlagType::kString, "", "FILE", "results HDF5 (under the data root), with an SVG beside it", true},
                 {"counts", FlagType::kString, "", "FILE", "binned spike counts (CSV or HDF5), or --spikes with --frame_times"},
                 {"spikes", FlagType::kString, "", "FILE", "spike times (NWB /units, HDF5 or unit,time CSV)"},
                 {"frame_times", FlagType::kString, "", "SOURCE", "nwb:F:/series, csv:F, rollouts:F or clips:F (to bin --spikes)"},
                 {"drop_spikes_outside", FlagType::kBool, "", "", "drop spikes outside the frames instead of refusing them"},
                 {"location", FlagType::kString, "", "REGION", "only the units recorded in this location"},
                 {"rollouts", FlagType::kString, "", "FILE", "a rollouts file whose features are classes"},
                 {"clips", FlagType::kString, "", "FILE", "the clips the policy imitated: the real rat's clips/... classes"},
                 {"classes", FlagType::kString, "", "A,B", "classes of the rollouts and clips, e.g. latent/mean,clips/joint_torques"},
                 {"features", FlagType::kString, "", "NAME=FILE,...", "feature classes from plain arrays"},
                 {"pca", FlagType::kDouble, "0", "fraction", "reduce each class to this variance fraction (0 = no PCA)"},
                 {"lags", FlagType::kString, "", "A:B[:S]", "lags in bins (default: the service's -50:15:5)"},
                 {"folds", FlagType::kInt, "0", "folds", "cross-validation folds (0 = the service's default)"},
                 {"ridge", FlagType::kDouble, "0", "penalty", "fixed ridge on the z-scored weights (0 = chosen by nested CV)"},
                 {"ridge_grid", FlagType::kString, "", "a,b,...", "nested-CV candidates (default 0.1,1,10,100,1000)"},
                 {"inner_folds", FlagType::kInt, "0", "folds", "inner folds of the nested CV (0 = 3)"},
                 {"clip_smoothing", FlagType::kDouble, "0", "frames", "Gaussian std before accelerations (0 = 1 frame)"},
                 {"inverse_dynamics_contacts", FlagType::kBool, "", "", "keep floor contacts in the inverse dynamics"},
                 {"fdr", FlagType::kDouble, "0", "q", "Benjamini-Hochberg level (0 = the service's default)"}},
               "./mimic jobs encoding --server 127.0.0.1:9500 --token_file runs/demo/analysis.token --rollouts rollouts.h5 --classes joint_angles --counts synth/counts.csv --out analysis/enc.h5 --wait",
               true),
      JobsSpec("variability", "submit the latent-variability analyses to an analysis service",
               F{{"rollouts", FlagType::kString, "", "FILE", "rollouts recorded with --latent_samples N", true},
                 {"out", FlagType::kString, "", "FILE", "results HDF5 (under the data root)", true},
                 {"labels", FlagType::kString, "", "FILE", "labels: CSV, or a behaviour map map.h5[:clusters] (default: kinematic rules)"},
                 {"counts", FlagType::kString, "", "FILE", "spike counts aligned with the rollouts: neural Fano factors per behaviour"},
                 {"window_frames", FlagType::kInt, "0", "frames", "bout-onset window for the counts (0 = 10)"},
                 {"min_bouts", FlagType::kInt, "0", "bouts", "fewest bouts for a behaviour's Fano factors (0 = 3)"},
                 {"permutations", FlagType::kInt, "0", "permutations", "null draws (0 = the service's default)"},
                 {"folds", FlagType::kInt, "0", "folds", "contiguous folds (0 = the service's default)"},
                 {"min_frames", FlagType::kInt, "0", "frames", "smallest behaviour kept (0 = the service's default)"}},
               "./mimic jobs variability --server 127.0.0.1:9500 --token_file runs/demo/analysis.token --rollouts var.h5 --out analysis/var.h5 --wait", true),
      JobsSpec("rsa", "submit a representational similarity analysis to an analysis service",
               F{{"rollouts", FlagType::kString, "", "FILE", "the rollouts file", true},
                 {"out", FlagType::kString, "", "FILE", "results HDF5 (under the data root)", true},
                 {"classes", FlagType::kString, "", "A,B", "feature classes (default: every class)"},
                 {"clips", FlagType::kString, "", "FILE", "the clips the policy imitated, for clips/... classes"},
                 {"labels", FlagType::kString, "", "FILE", "labels: CSV, or a behaviour map map.h5[:clusters] (default: kinematic rules)"},
                 {"neural_rdms", FlagType::kString, "", "FILE", "neural RDMs, one subject per line (CSV)"},
                 {"metric", FlagType::kString, "", "correlation|euclidean|crossnobis", "RDM distance (default correlation)"},
                 {"folds", FlagType::kInt, "0", "folds", "crossnobis folds (0 = the service's default)"},
                 {"min_frames", FlagType::kInt, "0", "frames", "smallest behaviour kept (0 = the service's default)"}},
               "./mimic jobs rsa --server 127.0.0.1:9500 --token_file runs/demo/analysis.token --rollouts rollouts.h5 --out analysis/rsa.h5 --wait", true),
      JobsSpec("behaviour-map", "submit a behaviour map of a clips file (wavelets, PCA, t-SNE, watershed clusters) to an analysis service",
               F{{"clips", FlagType::kString, "", "FILE", "the clips file (under the data root)", true},
                 {"out", FlagType::kString, "", "FILE", "the map .h5 (under the data root); .svg and _labels.csv beside it", true},
                 {"training_frames", FlagType::kInt, "0", "frames", "frames t-SNE embeds, the rest placed (0 = 5000)"},
                 {"perplexity", FlagType::kDouble, "0", "neighbours", "t-SNE perplexity (0 = 50)"},
                 {"iterations", FlagType::kInt, "0", "iterations", "t-SNE iterations (0 = 1000)"},
                 {"frequencies", FlagType::kInt, "0", "channels", "wavelet frequencies up to Nyquist (0 = 25)"},
                 {"min_frequency", FlagType::kDouble, "0", "Hz", "lowest wavelet frequency (0 = 1)"},
                 {"components", FlagType::kInt, "0", "components", "principal components (0 = 20)"},
                 {"bandwidth", FlagType::kDouble, "0", "fraction", "density kernel std, of the map's side (0 = 0.05)"},
                 {"min_peak", FlagType::kDouble, "0", "fraction", "watershed seeds, of the peak density (0 = 0.05)"},
                 {"seed", FlagType::kInt, "0", "seed", "t-SNE's seed (0 = 1)"}},
               "./mimic jobs behaviour-map --server 127.0.0.1:9500 --token_file runs/demo/analysis.token --clips clips.h5 --out analysis/map.h5 --wait", true),
      JobsSpec("get", "print one operation", F{{"id", FlagType::kString, "", "ID", "the operation", true}},
               "./mimic jobs get --server 127.0.0.1:9500 --token_file runs/demo/analysis.token --id encoding-000001", false),
      JobsSpec("watch", "follow an operation to its end with a progress line; exit 0 only if it succeeded",
               F{{"id", FlagType::kString, "", "ID", "the operation", true}},
               "./mimic jobs watch --server 127.0.0.1:9500 --token_file runs/demo/analysis.token --id encoding-000001", false),
      JobsSpec("cancel", "cancel an operation", F{{"id", FlagType::kString, "", "ID", "the operation", true}},
               "./mimic jobs cancel --server 127.0.0.1:9500 --token_file runs/demo/analysis.token --id encoding-000001", false),
      JobsSpec("list", "list every operation of a job service", F{}, "./mimic jobs list --server 127.0.0.1:9500 --token_file runs/demo/analysis.token", false),
  };
  return *specs;
}

int JobsHelp(bool to_stdout) {
  std::FILE* out = to_stdout ? stdout : stderr;
  std::fprintf(out, "usage: ./mimic jobs [submit] VERB --server HOST:PORT [flags]   (./mimic jobs VERB --help for one)\n\n");
  for (const CommandSpec& spec : AllJobsSpecs()) {
    std::fprintf(out, "  %-14s %s\n", spec.name.substr(5).c_str(), spec.summary.c_str());
  }
  std::fprintf(out, "\nexample:\n  %s\n", AllJobsSpecs()[1].examples[0].c_str());
  return to_stdout ? 0 : 2;
}

// --lags A:B[:S] into the spec's lag range.
absl::Status SetLags(const std::string& text, EncodingJobSpec* spec) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  std::vector<int> values;
  for (const std::string& p : parts) {
    int v = 0;
    if (!absl::SimpleAtoi(p, &v)) return absl::InvalidArgumentError(absl::StrCat("--lags '", text, "' is not A:B[:STEP]"));
    values.push_back(v);
  }
  if (values.size() < 2 || values.size() > 3) return absl::InvalidArgumentError(absl::StrCat("--lags '", text, "' is not A:B[:STEP]"));
  spec->set_lag_min(values[0]);
  spec->set_lag_max(values[1]);
  if (values.size() == 3) spec->set_lag_step(values[2]);
  return absl::OkStatus();
}

}  // namespace

int RunJobs(const Argv& argv) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h") return JobsHelp(!argv.empty());
  // `jobs submit KIND ...` is the same as `jobs KIND ...`
  const bool submit = argv[0] == "submit" && argv.size() > 1;
  const std::string verb = submit ? argv[1] : argv[0];
  const CommandSpec* spec = nullptr;
  std::vector<std::string> verbs;
  for (const CommandSpec& s : AllJobsSpecs()) {
    if (s.name == "jobs " + verb) spec = &s;
    verbs.push_back(s.name.substr(5));
  }
  if (spec == nullptr) {
    const std::string nearest = NearestName(verb, verbs);
    std::fprintf(stderr, "mimic jobs: unknown verb '%s'%s (see ./mimic jobs --help)\n", verb.c_str(),
                 nearest.empty() ? "" : ("; did you mean " + nearest + "?").c_str());
    return 2;
  }
  int exit_code;
  auto args = ParseCommandLine(*spec, Argv(argv.begin() + (submit ? 2 : 1), argv.end()), &exit_code);
  if (!args) return exit_code;
  auto channel_or = Channel(*args);
  if (!channel_or.ok()) return Fail("jobs", channel_or.status());
  auto channel = *channel_or;
  auto operations = Operations::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  OperationRequest by_id;
  if (spec->Find("id")) by_id.set_id(args->String("id"));
  Operation op;
  grpc::Status status;
  // every submit: report a refusal, else print the id and, with --wait, watch it finish
  auto submitted = [&](const char* what, const grpc::Status& submit) {
    if (!submit.ok()) return Fail(what, FromGrpcStatus(submit));
    std::printf("submitted %s\n", op.id().c_str());
    return args->Bool("wait") ? Watch(*operations, op.id()) : 0;
  };
  if (verb == "stac") {
    SubmitStacRequest request;
    request.mutable_spec()->set_keypoints(args->String("keypoints"));
    request.mutable_spec()->set_out(args->String("out"));
    request.mutable_spec()->set_config(args->String("config"));
    request.mutable_spec()->set_instance(args->Int("instance"));
    return submitted("jobs stac", PreprocessService::NewStub(channel)->SubmitStac(&context, request, &op));
  }
  if (verb == "encoding") {
    SubmitEncodingRequest request;
    EncodingJobSpec* spec = request.mutable_spec();
    spec->set_rollouts(args->String("rollouts"));
    spec->set_clips(args->String("clips"));
    spec->set_inverse_dynamics_contacts(args->Bool("inverse_dynamics_contacts"));
    spec->set_inner_folds(args->Int("inner_folds"));
    // 0 asks for the default (1 frame); an explicit 0 means no smoothing
    spec->set_clip_smoothing_frames(args->Has("clip_smoothing") && args->Double("clip_smoothing") == 0
                                        ? -1
                                        : args->Double("clip_smoothing"));
    for (const auto& item : absl::StrSplit(args->String("ridge_grid"), ',', absl::SkipEmpty())) {
      double v = 0;
      if (!absl::SimpleAtod(item, &v)) return Fail("jobs encoding", absl::InvalidArgumentError(absl::StrCat("--ridge_grid: '", item, "'")));
      spec->add_ridge_grid(v);
    }
    for (const auto& c : absl::StrSplit(args->String("classes"), ',', absl::SkipEmpty())) spec->add_classes(std::string(c));
    for (const auto& item : absl::StrSplit(args->String("features"), ',', absl::SkipEmpty())) {
      std::vector<std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
      if (kv.size() != 2) return Fail("jobs encoding", absl::InvalidArgumentError(absl::StrCat("'", item, "' is not NAME=FILE")));
      (*spec->mutable_features())[kv[0]] = kv[1];
    }
    spec->set_counts(args->String("counts"));
    spec->set_spikes(args->String("spikes"));
    spec->set_frame_times(args->String("frame_times"));
    spec->set_drop_spikes_outside(args->Bool("drop_spikes_outside"));
    spec->set_units_location(args->String("location"));
    spec->set_out(args->String("out"));
    spec->set_pca_fraction(args->Double("pca"));
    spec->set_folds(args->Int("folds"));
    spec->set_ridge(args->Double("ridge"));
    spec->set_fdr(args->Double("fdr"));
    if (args->Has("lags")) {
      if (absl::Status s = SetLags(args->String("lags"), spec); !s.ok()) return Fail("jobs encoding", s);
    }
    return submitted("jobs encoding", AnalysisService::NewStub(channel)->SubmitEncoding(&context, request, &op));
  }
  if (verb == "variability") {
    SubmitVariabilityRequest request;
    VariabilityJobSpec* spec = request.mutable_spec();
    spec->set_rollouts(args->String("rollouts"));
    spec->set_labels(args->String("labels"));
    spec->set_out(args->String("out"));
    spec->set_counts(args->String("counts"));
    spec->set_window_frames(args->Int("window_frames"));
    spec->set_min_bouts(args->Int("min_bouts"));
    spec->set_permutations(args->Int("permutations"));
    spec->set_folds(args->Int("folds"));
    spec->set_min_frames(args->Int("min_frames"));
    return submitted("jobs variability", AnalysisService::NewStub(channel)->SubmitVariability(&context, request, &op));
  }
  if (verb == "rsa") {
    SubmitRsaRequest request;
    RsaJobSpec* spec = request.mutable_spec();
    spec->set_rollouts(args->String("rollouts"));
    for (const auto& c : absl::StrSplit(args->String("classes"), ',', absl::SkipEmpty())) spec->add_classes(std::string(c));
    spec->set_labels(args->String("labels"));
    spec->set_clips(args->String("clips"));
    spec->set_neural_rdms(args->String("neural_rdms"));
    spec->set_metric(args->String("metric"));
    spec->set_folds(args->Int("folds"));
    spec->set_out(args->String("out"));
    spec->set_min_frames(args->Int("min_frames"));
    return submitted("jobs rsa", AnalysisService::NewStub(channel)->SubmitRsa(&context, request, &op));
  }
  if (verb == "behaviour-map") {
    SubmitBehaviourMapRequest request;
    BehaviourMapJobSpec* spec = request.mutable_spec();
    spec->set_clips(args->String("clips"));
    spec->set_out(args->String("out"));
    spec->set_training_frames(args->Int("training_frames"));
    spec->set_perplexity(args->Double("perplexity"));
    spec->set_iterations(args->Int("iterations"));
    spec->set_frequencies(args->Int("frequencies"));
    spec->set_min_frequency(args->Double("min_frequency"));
    spec->set_components(args->Int("components"));
    spec->set_bandwidth(args->Double("bandwidth"));
    spec->set_min_peak(args->Double("min_peak"));
    spec->set_seed(static_cast<uint64_t>(args->Int64("seed")));
    return submitted("jobs behaviour-map", AnalysisService::NewStub(channel)->SubmitBehaviourMap(&context, request, &op));
  }
  if (verb == "watch") return Watch(*operations, by_id.id());
  if (verb == "get") {
    status = operations->GetOperation(&context, by_id, &op);
  } else if (verb == "cancel") {
    status = operations->CancelOperation(&context, by_id, &op);
  } else if (verb == "list") {
    ListOperationsResponse list;
    status = operations->ListOperations(&context, ListOperationsRequest(), &list);
    if (!status.ok()) return Fail("jobs list", FromGrpcStatus(status));
    for (const Operation& o : list.operations()) PrintOperation(o);
    return 0;
  } else {
    return Fail("jobs", absl::InvalidArgumentError(absl::StrCat("unknown verb '", verb, "'")));
  }
  if (!status.ok()) return Fail("jobs", FromGrpcStatus(status));
  PrintOperation(op);
  return 0;
}

}  // namespace mimic::cli
